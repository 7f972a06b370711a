import type { StreamedBodyRoute } from '@groundwork/platform';

/** The upload route takes multipart/form-data, which its handler streams (no body parser buffers it). */
export const STREAMED_BODY_ROUTES: readonly StreamedBodyRoute[] = [
  {
    method: 'POST',
    path: /^\/v1\/workspaces\/[^/]+\/tasks\/[^/]+\/attachments\/?$/,
    mediaType: 'multipart/form-data',
  },
];
