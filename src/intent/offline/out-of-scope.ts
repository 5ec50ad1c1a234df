/**
 * Built-in out-of-scope texts: everyday requests, chit-chat and keyboard noise that belong to no
 * intent of a task-specific bot. The default threshold's cross-validation (default-threshold.ts)
 * scores them as messages that must be turned away, so that the threshold it chooses keeps a
 * no-match possible even when a block's intents are all alike.
 */
export const BUILT_IN_OUT_OF_SCOPE: readonly string[] = [
  'how are you today',
  'what is your name',
  'tell me something funny',
  'who is the president of france',
  'how many legs does a spider have',
  'what is two plus two',
  'recommend a book to read',
  'what day is it today',
  'do you like music',
  'how do I make coffee',
  'where is the nearest hospital',
  'what is the population of china',
  'can you dance',
  'why is the sky blue',
  'who painted the mona lisa',
  'how do I tie a tie',
  'what movies are on tonight',
  'my neighbour is too loud',
  'how long do cats live',
  'what is the speed of light',
  'thanks bye',
  'yes',
  'no',
  'ok',
  'hmm',
  'blah blah',
  'qwertyuiop',
  'jkl jkl jkl',
  'zzzz',
  'xyz abc',
];
