import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findProfileFor,
  MDS2_QUESTION_IDS,
  mds2NotesFor,
  modelsWithoutProfile,
  normalizeQuestionId,
  parseMds2Csv,
  parseMds2Json,
} from '../../shared/domain/mds2';

describe('MDS2 question ids', () => {
  it('knows CSUP-1 … CSUP-11.2 and SBOM-1 … SBOM-4', () => {
    expect(MDS2_QUESTION_IDS).toContain('CSUP-6.4');
    expect(MDS2_QUESTION_IDS).toContain('CSUP-11.2');
    expect(MDS2_QUESTION_IDS).toContain('SBOM-2.4');
    expect(MDS2_QUESTION_IDS).not.toContain('CSUP-12');
  });

  it.each([
    ['csup-2.1', 'CSUP-2.1'],
    ['CSUP 2.1', 'CSUP-2.1'],
    ['CSUP–2.2', 'CSUP-2.2'],
    ['CSUP_11.1', 'CSUP-11.1'],
    ['CSUP-2,3', 'CSUP-2.3'],
    ['CSUP-02.1', 'CSUP-2.1'],
    ['CSPU-7', 'CSUP-7'],
    ['SBMO-1', 'SBOM-1'],
    ['CSUP11.2.', 'CSUP-11.2'],
  ])('reads %s as %s', (raw, id) => {
    expect(normalizeQuestionId(raw)?.id).toBe(id);
  });

  it.each(['CSUP-12', 'DOC-8', 'SAHD-3.1', 'CSUP-2.5', 'hello'])(
    'does not read %s as a CSUP/SBOM id',
    (raw) => {
      expect(normalizeQuestionId(raw)).toBeNull();
    },
  );
});

describe('MDS2 profiles', () => {
  const demo = parseMds2Csv(readFileSync('data/demo/mds2.csv', 'utf8'));

  it('imports per manufacturer × model, skipping other sections and reporting corrected ids', () => {
    expect(demo.errors).toEqual([]);
    expect(demo.profiles.map((p) => `${p.manufacturerKey}/${p.modelKey}`).sort()).toEqual([
      'bd/alarispcunit',
      'philips/intellivuemx800',
    ]);
    expect(demo.corrections.join('\n')).toMatch(/CSPU-7 → CSUP-7/);
    const philips = demo.profiles.find((p) => p.manufacturerKey === 'philips');
    expect(philips?.answers['CSUP-7']).toEqual({ answer: 'YES', note: '' });
    expect(philips?.answers['DOC-8']).toBeUndefined();
  });

  it('says who installs patches and whether approvals are announced and published', () => {
    const bd = demo.profiles.find((p) => p.manufacturerKey === 'bd');
    expect(bd?.summary).toMatchObject({
      patchInstall: { owner: 'NO', vendorService: 'YES', remote: 'NO' },
      notifiesApprovedUpdates: 'YES',
      providesApprovalStatus: 'YES',
      reviewCycle: { answer: 'YES', note: 'quarterly' },
      sbomAvailable: 'YES',
    });
    const notes = bd ? mds2NotesFor(bd).join('\n') : '';
    expect(notes).toMatch(/installed by manufacturer or authorized service/);
    expect(notes).toMatch(/review cycle: yes \(quarterly\)/);
  });

  it('reports a bad row with its line and keeps the good ones', () => {
    const parsed = parseMds2Csv(
      'manufacturer,model,question_id,answer\nBD,Alaris PC Unit,CSUP-7,Yes\nBD,Alaris PC Unit,CSUP-99,Yes\n,X,CSUP-1,Yes\n',
    );
    expect(parsed.profiles).toHaveLength(1);
    expect(parsed.errors.map((e) => [e.line, e.column])).toEqual([
      [3, 'question_id'],
      [4, 'manufacturer'],
    ]);
  });

  it('reads the JSON form', () => {
    const parsed = parseMds2Json([
      {
        manufacturer: 'GE Healthcare',
        model: 'CARESCAPE B450',
        answers: { 'CSUP-2.3': 'Yes, InSite', 'CSUP-2': { answer: 'Yes' } },
      },
    ]);
    expect(parsed.profiles[0]?.summary.patchInstall.remote).toBe('YES');
  });

  it('matches devices by model or model number and lists the models without a profile', () => {
    const devices = [
      { manufacturer: 'BD', model: 'Alaris PC Unit', modelNumber: '8015' },
      { manufacturer: 'CareFusion', model: 'Alaris PC', modelNumber: 'Alaris PC Unit' },
      { manufacturer: 'GE Healthcare', model: 'CARESCAPE B450', modelNumber: 'B450' },
      { manufacturer: 'GE Medical Systems', model: 'CARESCAPE B450', modelNumber: 'B450' },
    ];
    expect(findProfileFor(demo.profiles, devices[0] as (typeof devices)[0])?.model).toBe('Alaris PC Unit');
    expect(modelsWithoutProfile(devices, demo.profiles)).toEqual([
      { manufacturer: 'GE Healthcare', model: 'CARESCAPE B450', modelNumber: 'B450', devices: 2 },
    ]);
  });
});
