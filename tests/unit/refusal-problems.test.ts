import { expect, it } from 'vitest';
import { problemsIn } from '../../api/errors';

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
