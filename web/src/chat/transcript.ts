/** The lines shown in the chat, kept in sessionStorage with the conversation so a reload shows them again. */
import { SessionList } from './session-list.ts';

const TRANSCRIPT_KEY = 'chatflow.chat.transcript';
const MAX_LINES = 300;

export interface Line {
  kind: 'bot' | 'user' | 'notice';
  text: string;
}

export class Transcript extends SessionList<Line> {
  constructor() {
    super(TRANSCRIPT_KEY, MAX_LINES);
  }
}
