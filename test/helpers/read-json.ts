/**
 * A response body as JSON, typed loosely on purpose: tests assert its shape with `toMatchObject`/`toEqual`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions, not types, check these bodies
export function readJson(response: Response): Promise<any> {
  return response.json();
}
