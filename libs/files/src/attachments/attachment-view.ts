/** An attachment as the files context shows it. */
export interface AttachmentView {
  id: string;
  taskId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  createdAt: Date;
}

export const ATTACHMENT_VIEW = {
  id: true,
  taskId: true,
  filename: true,
  contentType: true,
  size: true,
  sha256: true,
  uploadedBy: true,
  createdAt: true,
} as const;

/** Sizes are BIGINT columns; every size the api accepts is far below 2^53. */
export function toAttachmentView(row: Omit<AttachmentView, 'size'> & { size: bigint }): AttachmentView {
  return { ...row, size: Number(row.size) };
}
