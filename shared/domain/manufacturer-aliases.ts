/** One manufacturer: its canonical key, the name to show, and every spelling seen in advisories and CMMS exports. */
export interface ManufacturerAlias {
  key: string;
  displayName: string;
  aliases: string[];
  /**
   * Companies in the same corporate family whose advisories cover this one's products (Baxter acquired Hillrom
   * in 2021 and CISA's later Welch Allyn advisories name "Baxter"). Related keys are matched both ways.
   */
  relatedKeys?: string[];
}

/**
 * The alias table behind normalizeManufacturer. It covers every vendor spelling in the CISA ICSMA corpus
 * (shared/data/csaf/icsma) plus common CMMS spellings. Aliases are compared after slugging (case, punctuation,
 * diacritics and corporate suffixes ignored), so "B. Braun Melsungen AG" and "b braun melsungen" are one alias.
 */
export const MANUFACTURER_ALIASES: readonly ManufacturerAlias[] = [
  {
    key: 'philips',
    displayName: 'Philips',
    aliases: [
      'Philips',
      'Phillips',
      'Philips Healthcare',
      'Phillips Healthcare',
      'Philips Medical Systems',
      'Philips Medical',
      'Koninklijke Philips',
      'Koninklijke Philips N.V.',
      'Philips Electronics',
      'Philips Respironics',
      'Respironics',
      'Philips North America',
      'Philips Medical Systems Nederland',
    ],
  },
  {
    key: 'ge-healthcare',
    displayName: 'GE HealthCare',
    aliases: [
      'GE',
      'GE Healthcare',
      'GE HealthCare',
      'GE Health Care',
      'General Electric',
      'General Electric (GE)',
      'General Electric Healthcare',
      'GE Medical Systems',
      'GE Medical',
      'GEHC',
      'GE Healthcare Technologies',
      'Datex-Ohmeda',
    ],
  },
  {
    key: 'bd',
    displayName: 'BD (Becton, Dickinson and Company)',
    aliases: [
      'BD',
      'Becton Dickinson',
      'Becton, Dickinson',
      'Becton, Dickinson and Company',
      'Becton, Dickinson and Company (BD)',
      'Becton Dickinson and Co',
      'BD Medical',
      'CareFusion',
      'Care Fusion',
      'BD CareFusion',
      'Alaris Medical Systems',
      'Cardinal Health Alaris',
    ],
  },
  {
    key: 'b-braun',
    displayName: 'B. Braun',
    aliases: [
      'B. Braun',
      'B Braun',
      'BBraun',
      'B. Braun Medical',
      'B. Braun Medical Inc.',
      'B. Braun Melsungen AG',
    ],
  },
  {
    key: 'baxter',
    displayName: 'Baxter',
    aliases: [
      'Baxter',
      'Baxter International',
      'Baxter International Inc.',
      'Baxter Healthcare',
      'Baxter Healthcare Corporation',
    ],
  },
  {
    key: 'medtronic',
    displayName: 'Medtronic',
    aliases: ['Medtronic', 'Medtronic plc', 'Medtronic Inc', 'Medtronic MiniMed', 'Covidien'],
  },
  {
    key: 'hillrom',
    displayName: 'Hillrom',
    relatedKeys: ['baxter'],
    aliases: [
      'Hillrom',
      'Hill-Rom',
      'Hill Rom',
      'Hill-Rom Holdings',
      'Welch Allyn',
      'Welch-Allyn',
      'Mortara',
      'Mortara Instrument',
    ],
  },
  {
    key: 'siemens-healthineers',
    displayName: 'Siemens Healthineers',
    aliases: [
      'Siemens',
      'Siemens Healthineers',
      'Siemens Healthcare',
      'Siemens Medical Solutions',
      'Siemens AG',
    ],
  },
  {
    key: 'smiths-medical',
    displayName: 'Smiths Medical',
    aliases: ['Smiths Medical', 'Smiths', 'Smiths Medical ASD', 'Smiths Group'],
  },
  {
    key: 'draeger',
    displayName: 'Dräger',
    aliases: [
      'Dräger',
      'Draeger',
      'Drager',
      'Drägerwerk',
      'Draegerwerk AG & Co. KGaA',
      'Draegerwerk',
      'Draeger Medical',
      'Dräger Medical',
      'Draeger Medical Systems',
    ],
  },
  {
    key: 'spacelabs',
    displayName: 'Spacelabs Healthcare',
    aliases: ['Spacelabs', 'Spacelabs Healthcare', 'Spacelabs Medical', 'Space Labs'],
  },
  {
    key: 'st-jude-medical',
    displayName: 'St. Jude Medical',
    aliases: ['St. Jude Medical', 'St Jude Medical', 'Saint Jude Medical', 'SJM'],
    // Abbott acquired St. Jude Medical in 2017; CMMS records use either name for the same implants.
    relatedKeys: ['abbott'],
  },
  { key: 'abbott', displayName: 'Abbott', aliases: ['Abbott', 'Abbott Laboratories', 'Abbott Medical'] },
  { key: 'bmc-medical', displayName: 'BMC Medical', aliases: ['BMC Medical'] },
  { key: '3b-medical', displayName: '3B Medical', aliases: ['3B Medical'] },
  { key: 'i-sens', displayName: 'i-SENS', aliases: ['i-SENS', 'i-SENS Inc', 'iSENS'] },
  {
    key: 'johnson-and-johnson',
    displayName: 'Johnson & Johnson',
    aliases: [
      'Johnson & Johnson',
      'J&J',
      'Johnson and Johnson',
      'Ethicon',
      'Ethicon Endo-Surgery',
      'Ethicon US',
    ],
  },
  {
    key: 'natus',
    displayName: 'Natus Medical',
    aliases: ['Natus', 'Natus Medical', 'Natus Medical, Inc. (Natus)', 'Natus Medical Incorporated'],
  },
  // Qualcomm Life owned Capsule Technologies when an advisory named it; both spellings mean the Capsule product line.
  {
    key: 'capsule-technologies',
    displayName: 'Capsule Technologies',
    relatedKeys: ['philips'],
    aliases: ['Capsule Technologies', 'Capsule Tech', 'Capsule', 'Qualcomm Life'],
  },
  { key: 'carestream', displayName: 'Carestream', aliases: ['Carestream', 'Carestream Health'] },
  {
    key: 'roche',
    displayName: 'Roche Diagnostics',
    aliases: ['Roche', 'Roche Diagnostics', 'F. Hoffmann-La Roche'],
  },
  { key: 'stryker', displayName: 'Stryker', aliases: ['Stryker', 'Stryker Corporation'] },
  {
    key: 'fujifilm',
    displayName: 'Fujifilm',
    aliases: ['Fujifilm', 'FUJIFILM Healthcare', 'Fuji Film', 'Fujifilm Medical Systems'],
  },
  { key: 'change-healthcare', displayName: 'Change Healthcare', aliases: ['Change Healthcare', 'McKesson'] },
  { key: 'enea', displayName: 'ENEA', aliases: ['ENEA'] },
  {
    key: 'green-hills-software',
    displayName: 'Green Hills Software',
    aliases: ['Green Hills Software', 'Green Hills'],
  },
  { key: 'itron', displayName: 'Itron', aliases: ['ITRON'] },
  { key: 'ip-infusion', displayName: 'IP Infusion', aliases: ['IP Infusion'] },
  { key: 'wind-river', displayName: 'Wind River', aliases: ['Wind River', 'Wind River Systems'] },
  { key: 'biotronik', displayName: 'BIOTRONIK', aliases: ['BIOTRONIK', 'Biotronik SE & Co. KG'] },
  { key: 'openclinic-ga', displayName: 'OpenClinic GA', aliases: ['OpenClinic GA', 'OpenClinic'] },
  {
    key: 'innokas',
    displayName: 'Innokas Yhtymä Oy',
    aliases: ['Innokas Yhtymä Oy', 'Innokas', 'Innokas Medical'],
  },
  {
    key: 'sooil',
    displayName: 'SOOIL Developments',
    aliases: ['SOOIL', 'SOOIL Developments', 'SOOIL Developments Co, Ltd.'],
  },
  { key: 'zoll', displayName: 'ZOLL', aliases: ['ZOLL', 'ZOLL Medical', 'ZOLL Medical Corporation'] },
  { key: 'ypsomed', displayName: 'Ypsomed', aliases: ['Ypsomed'] },
  {
    key: 'swisslog-healthcare',
    displayName: 'Swisslog Healthcare',
    aliases: ['Swisslog Healthcare', 'Swisslog'],
  },
  { key: 'fresenius-kabi', displayName: 'Fresenius Kabi', aliases: ['Fresenius Kabi', 'Fresenius'] },
  {
    key: 'contec',
    displayName: 'Contec Health',
    aliases: ['Contec Health', 'Contec', 'Contec Medical Systems'],
  },
  { key: 'alivecor', displayName: 'AliveCor', aliases: ['AliveCor'] },
  { key: 'illumina', displayName: 'Illumina', aliases: ['Illumina'] },
  { key: 'softneta', displayName: 'Softneta', aliases: ['Softneta'] },
  { key: 'santesoft', displayName: 'Santesoft', aliases: ['Santesoft'] },
  { key: 'orthanc', displayName: 'Orthanc', aliases: ['Orthanc', 'Osimis'] },
  { key: 'microdicom', displayName: 'MicroDicom', aliases: ['MicroDicom'] },
  {
    key: 'bpl-medical-technologies',
    displayName: 'BPL Medical Technologies',
    aliases: ['BPL Medical Technologies', 'BPL'],
  },
  { key: 'silex-technology', displayName: 'Silex Technology', aliases: ['Silex Technology', 'Silex'] },
  { key: 'machinesense', displayName: 'MachineSense', aliases: ['MachineSense', 'MachineSense LLC.'] },
  { key: 'mobotix', displayName: 'Mobotix', aliases: ['Mobotix', 'MOBOTIX AG'] },
  {
    key: 'schneider-electric',
    displayName: 'Schneider Electric',
    aliases: ['Schneider Electric', 'Schneider'],
  },
  { key: 'vimesa', displayName: 'VIMESA', aliases: ['VIMESA'] },
  { key: 'microsoft', displayName: 'Microsoft', aliases: ['Microsoft', 'Microsoft Corporation'] },
  { key: 'mindray', displayName: 'Mindray', aliases: ['Mindray', 'Mindray Medical', 'Shenzhen Mindray'] },
  { key: 'nihon-kohden', displayName: 'Nihon Kohden', aliases: ['Nihon Kohden', 'Nihon Kohden Corporation'] },
  {
    key: 'canon-medical',
    displayName: 'Canon Medical Systems',
    aliases: ['Canon Medical', 'Canon Medical Systems', 'Toshiba Medical Systems'],
  },
  { key: 'icu-medical', displayName: 'ICU Medical', aliases: ['ICU Medical', 'Hospira'] },
];
