import { expect, it } from 'vitest';
import { problemsIn } from '../../api/errors';
import { asArguments, underInput } from '../../api/updates';
import { splitProblems } from '../../workflows/shared/refusal';

// A workflow's refusal becomes BAD_USER_INPUT with `extensions.problems`, one per field it names.

it('splits a refusal naming several fields into one problem per field', () => {
  expect(problemsIn('description: "monitor" is too vague: say what will be done. dueDate: "next review" is not a date. intendedOutcome: say what should change.', 'input')).toEqual([
    { field: 'input.description', message: '"monitor" is too vague: say what will be done.' },
    { field: 'input.dueDate', message: '"next review" is not a date.' },
    { field: 'input.intendedOutcome', message: 'say what should change.' },
  ]);
});

it('keeps a refusal about one field whole, however many sentences it has', () => {
  expect(problemsIn('attendees: HEALTH did not take part. A manager may record it as incomplete with an overrideReason.', 'input')).toEqual([
    { field: 'input.attendees', message: 'HEALTH did not take part. A manager may record it as incomplete with an overrideReason.' },
  ]);
});

it('gives a refusal that names no field as a problem with the input as a whole', () => {
  const message = 'A section 47 enquiry is authorised by a manager: ask a manager to authorise it.';
  expect(problemsIn(message, 'input')).toEqual([{ field: 'input', message }]);
});

it('names an argument that is not under an input as it is', () => {
  expect(problemsIn('first: must be between 1 and 200.')).toEqual([{ field: 'first', message: 'must be between 1 and 200.' }]);
});

// A workflow's problems name its own fields; each operation puts them where they are in the caller's request.

it('puts a step\'s fields under the operation\'s input argument, or at its own arguments', () => {
  const fields = splitProblems('note: must say something (at least 3 characters). reason: a lawful reason is given only when dispensing with consent.').map((p) => p.field);
  expect(fields).toEqual(['note', 'reason']);
  expect(fields.map(underInput)).toEqual(['input.note', 'input.reason']);
  expect(fields.map(asArguments('note'))).toEqual(['note', 'reason']);
  expect(splitProblems('Nothing to change: give the fields to change, or a status.')).toEqual([{ field: '', message: 'Nothing to change: give the fields to change, or a status.' }]);
  expect(underInput('')).toBe('input');
  expect(asArguments('rationale')('')).toBe('rationale');
});
