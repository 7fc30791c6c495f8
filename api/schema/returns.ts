import { cinCensus, censusSourceFor, censusYearProblem, type CensusGap, type CinCensusReturn } from '../../returns/cin-census';
import { rolesFor } from '../access';
import { builder } from '../builder';
import { fromStore, requireBoroughRole } from '../context';
import { apiError, inputError, type InputProblem } from '../errors';

const CensusGapRef = builder.objectRef<CensusGap>('CensusGap').implement({
  description: 'Something the record lacks that a census rule needs: fix it on the child\'s record before submitting the return.',
  fields: (t) => ({
    censusId: t.exposeString('censusId', { description: 'The child\'s census id (LAchildID).' }),
    field: t.exposeString('field', { description: 'The census field, e.g. Ethnicity.' }),
    rule: t.exposeString('rule', { description: 'The DfE validation rule it breaks (the community validator\'s number).' }),
    message: t.exposeString('message'),
  }),
});

const CinCensusReturnRef = builder.objectRef<CinCensusReturn>('CinCensusReturn').implement({
  description: 'A borough\'s CIN census return for a collection year: the XML to submit, how many children it holds and its gaps.',
  fields: (t) => ({
    xml: t.exposeString('xml', { description: 'The census XML (no namespace, dates YYYY-MM-DD).' }),
    children: t.exposeInt('children', { description: 'Children in the return.' }),
    gaps: t.field({ type: [CensusGapRef], description: 'Each value a census rule needs that the record lacks (the file is written without it).', resolve: (r) => r.gaps }),
  }),
});

builder.queryField('cinCensus', (t) =>
  t.field({
    type: CinCensusReturnRef,
    description: 'The DfE Children in Need census return for the collection year ending 31 March `year`, made from the record. Personal data: data officers and auditors only; the purpose is recorded in the audit trail.',
    authScopes: { authenticated: true },
    args: {
      borough: t.arg.string({ required: true }),
      year: t.arg.int({ required: true, description: 'The year the collection ends in: 2026 is 1 April 2025 to 31 March 2026.' }),
      purpose: t.arg.string({ required: true, description: 'Why the return is made (at least 5 characters), recorded in the audit trail.' }),
    },
    resolve: async (_root, { borough, year, purpose }, context) => {
      requireBoroughRole(context, borough, rolesFor('Query.cinCensus'));
      const configured = context.services.boroughs.get(borough);
      if (!configured) throw apiError('NOT_FOUND', `Borough "${borough}" is not configured (known: ${[...context.services.boroughs.keys()].join(', ')}).`);
      const problems: InputProblem[] = [];
      if (purpose.trim().length < 5) problems.push({ field: 'purpose', message: 'say why the return is made (at least 5 characters), e.g. "DfE CIN census submission"; it is recorded in the audit trail.' });
      const now = context.services.now();
      const yearProblem = censusYearProblem(year, now);
      if (yearProblem) problems.push({ field: 'year', message: yearProblem.replace(/^year: /, '') });
      if (problems.length > 0) throw inputError(problems);
      const source = censusSourceFor(configured, now);
      if (typeof source === 'string') throw apiError('INVALID_STATE', source);
      return fromStore(() => cinCensus(context.services.sql, source, year));
    },
  }),
);
