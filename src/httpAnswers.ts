/** Answers for requests no route takes: JSON with a code, as every other failure, not express's HTML pages. */
import type { Request, Response } from 'express';

/** A known path asked with another method: 405 naming the one it takes. */
export function onlyMethod(allowed: 'GET' | 'POST') {
  return (_req: Request, res: Response) => {
    res.set('Allow', allowed).status(405).json({ errors: [{ message: `this path takes ${allowed} only`, extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
  };
}

/** After every route: a path nothing serves gets the same JSON error body as other failures, not express's HTML page. */
export function noSuchPath(_req: Request, res: Response): void {
  res.status(404).json({ errors: [{ message: 'no endpoint at this path', extensions: { code: 'NOT_FOUND' } }] });
}
