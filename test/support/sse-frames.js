// @ts-check
/**
 * Server-sent events on a raw HTTP response, for the scripts that hold many streams (the
 * cluster's real-time clients, the real-time bench's sampled clients): the stream is split into
 * frames (a blank line ends one) and each frame's text handed on; reading its fields is left to
 * the caller, who may need only one of them.
 */

/**
 * Calls `onFrame` with the text of each complete frame of `response`.
 * @param {import('node:http').IncomingMessage} response @param {(frame: string) => void} onFrame
 */
export function onSseFrames(response, onFrame) {
  response.setEncoding('utf8');
  let buffer = '';
  response.on('data', (/** @type {string} */ chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      onFrame(frame);
    }
  });
}

/**
 * The value of a frame's field (`id`, `event`, `data`), or undefined when it has none.
 * @param {string} frame @param {'id' | 'event' | 'data'} name
 */
export function sseField(frame, name) {
  for (const line of frame.split('\n')) {
    if (line.startsWith(`${name}:`)) return line.slice(name.length + 1).replace(/^ /, '');
  }
  return undefined;
}
