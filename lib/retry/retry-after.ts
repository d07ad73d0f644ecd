/**
 * The HTTP Retry-After header (RFC 9110, section 10.2.3): either delta-seconds or an HTTP-date.
 * Servers (and Discord) send it with 429 and 503 to say when to come back.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2})';

// The three forms RFC 9110 requires recipients to accept. Date.parse is not used: it accepts
// almost anything ("1", "soon 5"), which would turn garbage into a date.
const IMF_FIXDATE = new RegExp(`^${DAY}, (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`, 'i');
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (?<day>\\d{2})-${MONTH}-(?<year>\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (?<day> \\d|\\d{2}) ${TIME} (?<year>\\d{4})$`, 'i');

/** Seconds, optionally negative or fractional: RFC 9110 allows only digits, but leniency costs nothing here. */
const DELTA_SECONDS = /^-?\d+(?:\.\d+)?$/;

/** RFC 9110: a two-digit year more than 50 years in the future means the most recent past year with those digits. */
function fullYear(twoDigits: number, now: number): number {
  const thisYear = new Date(now).getUTCFullYear();
  let year = Math.floor(thisYear / 100) * 100 + twoDigits;
  if (year > thisYear + 50) year -= 100;
  return year;
}

/** The instant a matched date names, or undefined when no such date exists (31 Feb, 25:00). */
function instant(groups: Record<string, string | undefined>, now: number): number | undefined {
  // A missing group becomes NaN, which fails the checks below.
  const day = Number(groups.day);
  const hour = Number(groups.hour);
  const minute = Number(groups.minute);
  const second = Number(groups.second);
  const yearText = groups.year ?? '';
  const year = yearText.length === 2 ? fullYear(Number(yearText), now) : Number(yearText);
  const month = MONTHS.indexOf((groups.month ?? '').toLowerCase());
  if (month < 0 || !(hour <= 23 && minute <= 59 && second <= 60)) return undefined;
  // Second 60 is a leap second; JS dates have none, so it counts as 59.
  const ms = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls over (Feb 30 becomes Mar 2); a date that does not exist is garbage.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

function parseHttpDate(text: string, now: number): number | undefined {
  const groups = (IMF_FIXDATE.exec(text) ?? RFC850_DATE.exec(text) ?? ASCTIME_DATE.exec(text))?.groups;
  return groups === undefined ? undefined : instant(groups, now);
}

/**
 * How long to wait, in ms from `now`, before trying again; undefined when the header is absent
 * or not a valid Retry-After (the caller then uses its own backoff). A date in the past or a
 * negative delay means "now": 0.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (DELTA_SECONDS.test(text)) {
    const ms = Math.ceil(Number(text) * 1000);
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }
  const at = parseHttpDate(text, now);
  return at === undefined ? undefined : Math.max(0, at - now);
}
