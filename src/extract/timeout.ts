// A time bound on a step that may never settle (pdf.js waits forever on some inline images):
// the step is abandoned, not stopped — what it holds is freed with the worker process that ran
// it (isolation/), which a caller retires after such a timeout.

export class TimedOut extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimedOut";
  }
}

let abandoned = 0;

/** Steps abandoned by a timeout in this process so far: a worker that has any is retired. */
export function abandonedSteps(): number {
  return abandoned;
}

/** `work`, or a TimedOut with `message` after `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandoned++;
      reject(new TimedOut(message));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    // A step that settles after its timeout must not become an unhandled rejection.
    work.catch(() => undefined);
  }
}
