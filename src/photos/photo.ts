/** A product photo, stored in the database so every instance of a scale-out deployment serves it. */
export interface Photo {
  /** SHA-256 of the bytes: the same picture uploaded twice is stored once. */
  id: string;
  mime: PhotoType;
  bytes: Buffer;
  createdAt: Date;
}

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/**
 * The type comes from the file's first bytes, never from the client's claim: an SVG or HTML file
 * labelled image/png must not be served back as something a browser would run.
 */
export function sniffPhotoType(bytes: Buffer): PhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'image/gif';
  return null;
}
