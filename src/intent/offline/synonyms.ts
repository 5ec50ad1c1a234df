/**
 * A small built-in table of related English words. Each group is a "concept": a word of a group
 * adds the group's feature beside its own (features.ts), so that "is it going to rain" shares a
 * feature with an intent described as "the weather", and an intent with only a description, or few
 * examples, reaches words its author did not write. Groups are keyed by Porter stem, so word forms
 * ("raining", "rained") join too. Kept small and general: everyday requests of chat bots.
 */
import { stemmer } from 'stemmer';

const GROUPS: readonly string[] = [
  'weather forecast rain raining rainy sunny sun snow snowing storm wind windy temperature umbrella cloudy hot cold degrees',
  'travel trip trips holiday holidays vacation journey flight flights fly flying getaway tour abroad destination',
  'restaurant restaurants eat eating food dinner lunch breakfast meal hungry dine dining cuisine brunch',
  'hotel hotels room accommodation stay lodging hostel',
  'book booking reserve reservation',
  'cheap cheapest affordable budget inexpensive deal deals offer offers discount bargain',
  'price prices cost costs fee fees charge charged charges rate',
  'buy purchase order',
  'pay paying payment payments paid',
  'money cash funds balance',
  'send sending transfer transferring wire',
  'receive received receiving arrive arrived arrival get',
  'refund refunded reimburse reimbursement return',
  'cancel cancelled canceled cancellation stop terminate',
  'close delete remove',
  'open create register signup',
  'change update modify edit',
  'password passcode pin',
  'account profile',
  'lost stolen missing',
  'broken faulty damaged defective problem issue error wrong',
  'help support assist assistance',
  'hello hi hey greetings morning',
  'goodbye bye farewell later',
  'thanks thank thx grateful',
  'yes yeah yep sure okay ok',
  'no nope nah',
  'when time schedule hour',
  'where location place nearby near',
  'delivery deliver shipping ship shipment parcel package',
  'phone mobile call',
  'email mail message',
  'job work career employment',
  'doctor hospital clinic medical sick ill',
];

/** Stem → its group's index. A stem in two groups keeps the first. */
const GROUP_OF = new Map<string, number>();
GROUPS.forEach((group, index) => {
  for (const word of group.split(' ')) {
    const stem = stemmer(word);
    if (!GROUP_OF.has(stem)) GROUP_OF.set(stem, index);
  }
});

/** The group (concept) of a word's stem, or undefined. */
export function conceptOf(stem: string): number | undefined {
  return GROUP_OF.get(stem);
}

/** The words of the groups of a text's words (stems as in features.ts), without the text's own words. */
export function relatedWords(words: readonly string[]): string[] {
  const own = new Set(words);
  const related = new Set<string>();
  for (const word of words) {
    const group = GROUP_OF.get(stemmer(word));
    if (group === undefined) continue;
    for (const other of (GROUPS[group] as string).split(' ')) if (!own.has(other)) related.add(other);
  }
  return [...related];
}
