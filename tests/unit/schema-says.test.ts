import fs from 'node:fs/promises';
import path from 'node:path';
import type { GraphQLArgument, GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../api/schema/index';
import { CASE_KINDS, CASE_STAGES } from '../../db/casework';
import { projectRoot } from '../../server/env';
import { EPISODE_STAGES } from '../../workflows/episode/types';

// The schema says what the system stores and what it accepts: a stored value missing from an output enum fails the
// whole read, and a minimum enforced only deep in a workflow is a surprise to a front-end written from the schema.

const enumValues = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((v) => v.value as string);

async function sources(...dirs: string[]): Promise<{ file: string; text: string }[]> {
  const found: { file: string; text: string }[] = [];
  for (const dir of dirs) {
    for (const name of await fs.readdir(path.join(projectRoot, dir))) {
      if (/\.(ts|sql)$/.test(name)) found.push({ file: `${dir}/${name}`, text: await fs.readFile(path.join(projectRoot, dir, name), 'utf8') });
    }
  }
  return found;
}

describe('case stages and kinds', () => {
  it('CaseStage holds every stage the code can store on a case: the front door\'s, every episode stage, and every literal written', async () => {
    const stages = enumValues('CaseStage');
    expect(new Set(stages)).toEqual(new Set(CASE_STAGES));
    for (const stage of EPISODE_STAGES) expect(stages).toContain(stage);
    // Every `stage: <expression>` in the code that writes cases, and every `stage = '…'` in a migration.
    const written = new Set<string>();
    for (const { file, text } of await sources('db', 'db/migrations', 'activities')) {
      const expressions = file.endsWith('.sql')
        ? [...text.matchAll(/update cases set stage = ('[A-Z_0-9]+')/g)].map((m) => m[1]!)
        : [...text.matchAll(/\bstage: ([^,}\n]+)/g)].map((m) => m[1]!);
      for (const expression of expressions) for (const literal of expression.matchAll(/'([A-Z][A-Z_0-9]*)'/g)) written.add(literal[1]!);
    }
    expect(written.size).toBeGreaterThan(3);
    for (const stage of written) expect(stages, `stage ${stage} is written but not in CaseStage`).toContain(stage);
  });

  it('CaseKind holds both kinds of case', () => {
    expect(new Set(enumValues('CaseKind'))).toEqual(new Set(CASE_KINDS));
  });

  it('Case.stage, Case.kind and the cases filter use the enums, not free strings', () => {
    const fields = (schema.getType('Case') as GraphQLObjectType).getFields();
    expect(String(fields.stage!.type)).toBe('CaseStage!');
    expect(String(fields.kind!.type)).toBe('CaseKind!');
    expect(String((schema.getType('CaseFilter') as GraphQLInputObjectType).getFields().stage!.type)).toBe('CaseStage');
  });
});

// Where each minimum enforced by a workflow is stated: `Type.field` for an input field, `Mutation.op(arg)` for an argument.
const STATED: Record<string, number> = {
  'ScreeningDecisionInput.rationale': 10,
  'Mutation.recordMashDecision(rationale)': 10,
  'Mutation.recordConsent(note)': 3,
  'Mutation.escalateContact(reason)': 10,
  'Mutation.requestAgencyInformation(purpose)': 5,
  'Mutation.recordAgencyResponse(summary)': 3,
  'Mutation.recordAgencyResponse(sharedBy)': 2,
  'ScheduleStrategyDiscussionInput.purpose': 10,
  'StrategyDiscussionAttendeeInput.name': 2,
  'StrategyDiscussionAttendeeInput.role': 2,
  'RecordStrategyDiscussionInput.overrideReason': 10,
  'RecordStrategyDiscussionInput.rationale': 10,
  'StrategyDiscussionActionInput.owner': 2,
  'Section47OutcomeInput.analysis': 50,
  'Section47OutcomeInput.recommendationDetail': 10,
  'Section47OutcomeInput.enquiries': 10,
  'AuthoriseSection47Input.managerComment': 10,
  'CompleteAssessmentInput.summary': 10,
  'ReviewInput.summary': 10,
  'StepDownInput.reason': 10,
  'StepUpInput.reason': 10,
  'EarlyHelpInput.organisation': 2,
  'EndEarlyHelpInput.note': 10,
  'CloseCaseInput.note': 10,
  'ExtendEmergencyProtectionOrderInput.reason': 10,
  'EndProtectionInput.outcome': 5,
  'RecordVisitInput.visitor': 2,
  'RecordVisitInput.note': 10,
  'PlanActionInput.description': 20,
  'PlanActionInput.intendedOutcome': 10,
  'StrategyDiscussionActionInput.description': 20,
};

function describedBy(coordinate: string): string | null | undefined {
  const argument = /^Mutation\.(\w+)\((\w+)\)$/.exec(coordinate);
  if (argument) {
    const field = schema.getMutationType()!.getFields()[argument[1]!];
    return field?.args.find((a: GraphQLArgument) => a.name === argument[2])?.description;
  }
  const [type, name] = coordinate.split('.') as [string, string];
  const input = schema.getType(type) as GraphQLInputObjectType | undefined;
  return (input?.getFields()[name])?.description;
}

describe('minimum lengths', () => {
  it('states each minimum a workflow enforces in the description of the field it applies to', () => {
    for (const [coordinate, min] of Object.entries(STATED)) {
      expect(describedBy(coordinate), coordinate).toMatch(new RegExp(`at least ${min} characters`, "i"));
    }
  });

  it('lists every minimum the workflows enforce (a new one must be stated in the schema too)', async () => {
    const enforced: string[] = [];
    for (const { file, text } of await sources('workflows', 'workflows/episode')) {
      if (!file.endsWith('.ts')) continue;
      for (const m of text.matchAll(/(?:requireText|\btext)\(\s*[\w.!?]+\.(\w+)[^,]*,\s*`?'?([\w[\]$.{}]+)'?`?,\s*(\d+)\)/g)) enforced.push(`${m[1]}:${m[3]}`);
      for (const m of text.matchAll(/input\.(\w+)\.trim\(\)\.length < (\d+)/g)) enforced.push(`${m[1]}:${m[2]}`);
    }
    expect(enforced.length).toBeGreaterThan(15);
    expect(enforced).toContain('analysis:50');
    const stated = Object.entries(STATED).map(([coordinate, min]) => `${/(\w+)\)?$/.exec(coordinate)![1]}:${min}`);
    for (const rule of enforced) expect(stated, `minimum ${rule} is enforced but not stated in the schema`).toContain(rule);
  });
});
