import type { FindingAlertFacts } from '../../shared/domain/alerts';

type FactsOverrides = Omit<Partial<FindingAlertFacts>, 'device' | 'advisory'> & {
  device?: Partial<FindingAlertFacts['device']>;
  advisory?: Partial<FindingAlertFacts['advisory']>;
};

/** Facts of an IMMEDIATE APPLY_PATCH alert on an ICU infusion pump; override any part. */
export function aFacts(overrides: FactsOverrides = {}): FindingAlertFacts {
  const { device, advisory, ...rest } = overrides;
  return {
    event: {
      kind: 'NEW_FINDING',
      eventId: 'NEW_FINDING:abc',
      findingId: 'csv:BIO-0001|ICSMA-20-317-01',
      summary: 'New finding',
    },
    device: {
      assetTag: 'ICU-IP-0042',
      manufacturer: 'Becton Dickinson',
      model: 'Alaris PC Unit 8015',
      softwareVersion: '9.33.1',
      deviceType: 'infusion pump',
      department: 'ICU',
      location: 'North Tower / Floor 4',
      ...device,
    },
    advisory: { advisoryId: 'ICSMA-20-317-01', title: 'BD Alaris PC Unit', ...advisory },
    cves: ['CVE-2020-25165'],
    decision: 'IMMEDIATE',
    action: 'APPLY_PATCH',
    validationStatus: 'VALIDATED',
    validationEvidence: 'manufacturer validated (manufacturer_letter BD-2020-11, 2020-11-20)',
    dueDate: '2025-06-03T12:00:00.000Z',
    interimMitigation: ['Segment the pump network'],
    workOrderRef: 'mp-0123456789abcdef0123456789abcdef',
    cmmsLink: null,
    ...rest,
  };
}
