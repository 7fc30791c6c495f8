import { DateTime } from 'luxon';
import { auditAnnexAExport, casesInAnnexA, readAnnexA } from '../../db/annex-a';
import { rolesFor } from '../access';
import { annexAWorkbook } from '../annex-a-workbook';
import { builder } from '../builder';
import { fromStore, requireBoroughRole } from '../context';
import { inputError, type InputProblem } from '../errors';

const AnnexAListCount = builder.objectRef<{ list: string; rows: number }>('AnnexAListCount').implement({
  description: 'How many rows one Annex A list has.',
  fields: (t) => ({
    list: t.exposeString('list', { description: 'The sheet name, "List 1" … "List 7".' }),
    rows: t.exposeInt('rows'),
  }),
});

const AnnexAWorkbook = builder.objectRef<{ base64: string; filename: string; counts: { list: string; rows: number }[] }>('AnnexAWorkbook').implement({
  description: 'Ofsted Annex A lists 1–7 as an Excel workbook (one sheet per list, the template\'s columns and codes).',
  fields: (t) => ({
    base64: t.exposeString('base64', { description: 'The .xlsx file, base64-encoded.' }),
    filename: t.exposeString('filename', { description: 'e.g. annex-a-hf-2026-11-30.xlsx' }),
    counts: t.field({ type: [AnnexAListCount], resolve: (w) => w.counts }),
  }),
});

builder.queryField('annexA', (t) =>
  t.field({
    type: AnnexAWorkbook,
    description: 'Ofsted Annex A (lists 1–7) for a borough over the six months up to `asAt`, from the record. Personal data: data officers and auditors only; the purpose is recorded in the audit trail.',
    authScopes: { authenticated: true },
    args: {
      borough: t.arg.string({ required: true }),
      asAt: t.arg({ type: 'Date', required: true, description: 'The last day the lists cover (today or earlier); they start six months before.' }),
      purpose: t.arg.string({ required: true, description: 'Why the lists are needed (at least 10 characters), e.g. "ILACS inspection from 1 December".' }),
    },
    resolve: async (_root, args, context) => {
      requireBoroughRole(context, args.borough, rolesFor('Query.annexA'));
      const borough = context.services.boroughs.get(args.borough);
      if (!borough) throw inputError([{ field: 'borough', message: `"${args.borough}" is not a borough Front Door is configured for.` }]);
      const today = DateTime.fromJSDate(context.services.now(), { zone: 'Europe/London' }).toISODate()!;
      const problems: InputProblem[] = [];
      if (args.asAt > today) problems.push({ field: 'asAt', message: `${args.asAt} is in the future: Annex A reports what has happened, up to today (${today}) at the latest.` });
      if (args.purpose.trim().length < 10) problems.push({ field: 'purpose', message: 'say why you need the lists (at least 10 characters), e.g. "ILACS inspection from 1 December"; it is kept in the audit trail.' });
      if (problems.length > 0) throw inputError(problems);
      const record = await fromStore(() => readAnnexA(context.services.sql, args.borough, args.asAt));
      const teams = new Map(borough.settings.teams.map((team) => [team.id, team.name]));
      const workbook = await annexAWorkbook(record, (id) => teams.get(id) ?? id);
      // The call itself is audited by api/audit.ts; each case listed is recorded too, as a read of that case.
      const caller = context.caller!;
      await fromStore(() => auditAnnexAExport(context.services.sql, {
        userId: caller.userId, roles: caller.roles, borough: args.borough, operation: 'Query.annexA', kind: 'READ', outcome: 'OK', purpose: args.purpose.trim().slice(0, 200),
      }, casesInAnnexA(record)));
      return { base64: workbook.bytes.toString('base64'), filename: `annex-a-${args.borough}-${args.asAt}.xlsx`, counts: workbook.counts };
    },
  }),
);
