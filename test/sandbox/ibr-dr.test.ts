import { validatorFor } from '../../adapters/dci/protocol';
import { searchItem, send, useConnectedSandbox, verifySandboxSignature } from './support';

describe('sandbox IBR and DR', () => {
  const w = useConnectedSandbox({ births: 10 });

  const ibr = (path: string, message: Record<string, unknown>) => send(w.sandbox.registries.ibr.baseUrl, path, 'search', message, w.gateway.key, w.token);
  const dr = (path: string, message: Record<string, unknown>) => send(w.sandbox.registries.dr.baseUrl, path, 'search', message, w.gateway.key, w.token);

  it('answers sync/enrolled yes or no per person, optionally for one programme', async () => {
    const enrolment = w.sandbox.data.enrolments[0];
    const enrolled = new Set(w.sandbox.data.enrolments.map((e) => e.uin));
    const outsider = Array.from({ length: 2000 }, (_, i) => `11${String(i + 1).padStart(8, '0')}`).find((uin) => !enrolled.has(uin))!;
    const res = await ibr('/registry/sync/enrolled', { transaction_id: 'T-ibr', enrolled_criteria: { query_type: 'expression', response_entity: 'Member', query: { person_identifier: { in: [enrolment.uin, outsider] } } } });
    expect(res.status).toBe(200);
    expect(validatorFor('ibr', '/registry/sync/enrolled', 'response')(res.body)).toEqual({ ok: true });
    expect(await verifySandboxSignature(w.sandbox.registries.ibr.jwksUrl, res.body, res.raw)).toMatchObject({ ok: true });
    expect(res.body.header.sender_id).toBe('ibr.sandbox');
    expect(res.body.message.enrolled_response).toEqual([
      expect.objectContaining({ reference_id: enrolment.uin, status: 'succ', enrolled_status: 'yes' }),
      expect.objectContaining({ reference_id: outsider, status: 'succ', enrolled_status: 'no' }),
    ]);

    const otherProgramme = ['CG-2025', 'OAP-01', 'CCT-EDU', 'PWP-02'].find((p) => !w.sandbox.data.enrolments.some((e) => e.uin === enrolment.uin && e.programmeIdentifier === p))!;
    const byProgramme = (programme: string) =>
      ibr('/registry/sync/enrolled', { transaction_id: 'T-ibr-2', enrolled_criteria: { query: { person_identifier: { eq: enrolment.uin }, 'programme_identifier.programme.programme_identifier': { eq: programme } } } });
    expect((await byProgramme(enrolment.programmeIdentifier)).body.message.enrolled_response[0].enrolled_status).toBe('yes');
    expect((await byProgramme(otherProgramme)).body.message.enrolled_response[0].enrolled_status).toBe('no');

    const bad = await ibr('/registry/sync/enrolled', { transaction_id: 'T-ibr-3', enrolled_criteria: { query: { shoe_size: { eq: '42' } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message.error.code).toBe('err.request.bad');
  });

  it('returns Beneficiary records with their programmes from sync/search, several items per envelope', async () => {
    const uin = w.sandbox.data.enrolments[0].uin;
    const res = await ibr('/registry/sync/search', {
      transaction_id: 'T-ibr-s',
      search_request: [
        searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin } }),
        searchItem({ query_type: 'predicate', query: [{ expression1: { attribute_name: 'programme_identifier', operator: 'eq', attribute_value: 'OAP-01' } }], pagination: { page_size: 5 } }),
      ],
    });
    expect(validatorFor('ibr', '/registry/sync/search', 'response')(res.body)).toEqual({ ok: true });
    const [byUin, byProgramme] = res.body.message.search_response;
    expect(byUin.data.reg_records).toHaveLength(w.sandbox.data.enrolments.filter((e) => e.uin === uin).length);
    expect(byUin.data.reg_records[0]).toMatchObject({ member: { member_identifier: [{ identifier_type: 'UIN', identifier_value: uin }] }, programme_identifier: [{ programme_identifier: expect.any(String) }] });
    expect(byProgramme.pagination.total_count).toBe(w.sandbox.data.enrolments.filter((e) => e.programmeIdentifier === 'OAP-01').length);
    expect(byProgramme.data.reg_records).toHaveLength(5);
  });

  it('answers sync/disabled yes for an approved registration and no otherwise', async () => {
    const approved = w.sandbox.data.disabilities.find((d) => d.disabilityStatus === 'Approved')!;
    const pending = w.sandbox.data.disabilities.find((d) => d.disabilityStatus === 'Pending')!;
    const res = await dr('/registry/sync/disabled', { transaction_id: 'T-dr', disabled_criteria: { query_type: 'expression', query: { 'personal_details.member_identifier': { in: `${approved.uin},${pending.uin},1199999999` } } } });
    expect(res.status).toBe(200);
    expect(validatorFor('dr', '/registry/sync/disabled', 'response')(res.body)).toEqual({ ok: true });
    expect(await verifySandboxSignature(w.sandbox.registries.dr.jwksUrl, res.body, res.raw)).toMatchObject({ ok: true });
    expect(res.body.message.disabled_response.map((r: any) => [r.reference_id, r.disabled_status])).toEqual([
      [approved.uin, 'yes'],
      [pending.uin, 'no'],
      ['1199999999', 'no'],
    ]);
  });

  it('returns DisabledPerson records from sync/get-disability-details', async () => {
    const disability = w.sandbox.data.disabilities[0];
    const res = await dr('/registry/sync/get-disability-details', { transaction_id: 'T-dr-d', disabled_criteria: { query: { 'member.member_identifier': { in: [disability.uin, '1199999999'] } } } });
    expect(validatorFor('dr', '/registry/sync/get-disability-details', 'response')(res.body)).toEqual({ ok: true });
    const [found, none] = res.body.message.search_response;
    expect(found.data.reg_records).toEqual([
      expect.objectContaining({
        personal_details: expect.objectContaining({ member_identifier: [expect.objectContaining({ identifier_value: disability.uin })] }),
        disability_status: disability.disabilityStatus,
        disability_status_level: disability.severity,
        disability_details: [expect.objectContaining({ impairment_type: disability.impairmentType, impairment_level: disability.impairmentLevel, assessment_date: `${disability.assessmentDate}T00:00:00Z` })],
      }),
    ]);
    expect(none).toMatchObject({ reference_id: '1199999999', status: 'succ', data: { reg_records: [] } });
  });
});
