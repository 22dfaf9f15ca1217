import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/**
 * Splits text into words the way a POSIX shell quotes them, without expanding anything:
 * `'...'` is literal, `"..."` keeps `\"`, `\\`, `\$` and `` \` `` escapes, a backslash outside
 * quotes escapes the next character. `$VAR`, `$(...)`, backticks and globs stay as they are. Pure.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw unclosed(text, "'");
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) j++;
        word += text[j];
      }
      if (j >= text.length) throw unclosed(text, '"');
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** A word quoted for display so shellWords reads it back as one word. Pure. */
export function quoteWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function unclosed(text: string, quote: string): UserError {
  return new UserError(`unclosed ${quote} in "${printable(text)}"`);
}
