/**
 * Deadlines instead of hangs. A request that has no answer after CHECK_AFTER_MS asks whether the
 * database still answers a ping: if it does, the request is only slow (FerretDB takes seconds per
 * query on large data) and may go on, checked again every CHECK_AFTER_MS; if not, the client gets
 * its surface's coded 503 at once. While the last ping went unanswered, new requests ask first and
 * never reach the stalled database, so they do not pile up in the driver's pool behind it.
 *
 * A request answered this way still runs to its end once the database resumes (its operations are
 * already queued on the connection): its outcome is unknown to the client, as with any timeout, and
 * whatever it then writes to the response is dropped.
 */
import type { RequestHandler, Response } from 'express';
import type { DatabaseLiveness } from './store/liveness';

/** With the ping's own deadline, a stalled request is answered within 10 s of its arrival. */
export const CHECK_AFTER_MS = 5000;

export type UnavailableAnswer = (res: Response) => void;

export function requestDeadline(database: Pick<DatabaseLiveness, 'answering' | 'suspect'>, answerUnavailable: UnavailableAnswer): RequestHandler {
  return async (_req, res, next) => {
    if (database.suspect && !(await database.answering())) return answerUnavailable(res);
    let timer: NodeJS.Timeout | undefined;
    const answered = () => res.headersSent || res.writableEnded;
    const check = async () => {
      const alive = await database.answering();
      if (answered()) return;
      if (alive) return arm();
      answerUnavailable(res);
      dropLateWrites(res);
    };
    const arm = () => {
      timer = setTimeout(() => void check(), CHECK_AFTER_MS);
    };
    res.once('close', () => clearTimeout(timer));
    arm();
    next();
  };
}

/**
 * The handler of a request answered by its deadline still holds `res`, and answers once the database
 * resumes: its writes go nowhere. Unguarded, its headers would throw ERR_HTTP_HEADERS_SENT into the
 * error handlers, and a bare write after the end would emit an error on the response.
 */
function dropLateWrites(res: Response): void {
  const ignore = () => res;
  Object.assign(res, { writeHead: ignore, setHeader: ignore, appendHeader: ignore, removeHeader: ignore, write: () => true, end: ignore });
}
