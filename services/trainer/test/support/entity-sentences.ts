/**
 * A generated entity task for the token tagger: sentences from a few templates filled with
 * person, city and organisation names from small lists, labelled with character spans in the
 * label field's JSON layout. Train and held-out sentences use disjoint (person, city,
 * organisation) combinations, so the held-out set asks for combinations never seen together.
 */
import { createMulberry32 } from '@l1g1/onnx';
import type { RecordInput } from '../../src/models';

const PEOPLE = ['Anna Lee', 'Omar', 'Ines Duarte', 'Kenji Sato', 'Marta', 'Paul Okafor', 'Lena Berg', 'Ravi', 'Chloe Martin', 'Tomas Novak'];
const CITIES = ['Oslo', 'New York', 'Lima', 'Cape Town', 'Kyoto', 'Porto', 'San Diego', 'Bern'];
const ORGS = ['Acme Corp', 'Globex', 'Initech', 'Umbrella Labs', 'Stark Industries', 'Hooli'];
// `{P}` person, `{C}` city, `{O}` organisation.
const TEMPLATES = [
  '{P} lives in {C} .',
  '{P} works for {O} in {C} .',
  'Yesterday {P} visited {O} .',
  '{O} opened an office in {C} last year .',
  'In {C} , {P} met the team of {O} .',
  'Did {P} move to {C} ?',
  'The CEO of {O} is {P} .',
  '{P} and {P2} flew from {C} to {C2} .',
];

function fill(template: string, names: Record<string, string>): RecordInput {
  let text = '';
  const spans: { start: number; end: number; label: string }[] = [];
  const types: Record<string, string> = { P: 'PER', P2: 'PER', C: 'LOC', C2: 'LOC', O: 'ORG' };
  for (const part of template.split(/(\{[A-Z]2?\})/)) {
    const key = /^\{([A-Z]2?)\}$/.exec(part)?.[1];
    if (key === undefined) {
      text += part;
      continue;
    }
    const name = names[key] as string;
    spans.push({ start: [...text].length, end: [...text].length + [...name].length, label: types[key] as string });
    text += name;
  }
  return { data: text, metadata: { label: JSON.stringify(spans) } };
}

/** `count` sentences; `heldOut` picks the combinations with (person + city + org) odd, else even. */
export function entitySentences(count: number, seed: number, heldOut: boolean): RecordInput[] {
  const random = createMulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const out: RecordInput[] = [];
  while (out.length < count) {
    const [p, c, o, p2, c2] = [pick(PEOPLE.length), pick(CITIES.length), pick(ORGS.length), pick(PEOPLE.length), pick(CITIES.length)];
    if ((p + c + o) % 2 === (heldOut ? 0 : 1)) continue;
    const template = TEMPLATES[pick(TEMPLATES.length)] as string;
    out.push({ ...fill(template, { P: PEOPLE[p] as string, C: CITIES[c] as string, O: ORGS[o] as string, P2: PEOPLE[p2] as string, C2: CITIES[c2] as string }), id: `${heldOut ? 'test' : 'train'}-${out.length}` });
  }
  return out;
}
