/**
 * `L1G1_BLOB_URL` parsing, apart from the S3 store itself: a service's config
 * module parses it before telemetry starts, and must not load the AWS SDK
 * (and with it `http`) that early, or its spans would vanish.
 */
import { ConfigError } from './config';

/** Where blobs live in S3: `s3://<bucket>/<prefix>`. */
export interface S3BlobLocation {
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
}

/** Parses `L1G1_BLOB_URL` (`s3://bucket/optional/prefix`); a bad value names the variable. */
export function parseS3BlobUrl(url: string, variable = 'L1G1_BLOB_URL'): S3BlobLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(variable, `expected s3://bucket/prefix, got "${url}"`);
  }
  if (parsed.protocol !== 's3:' || !parsed.hostname) throw new ConfigError(variable, `expected s3://bucket/prefix, got "${url}"`);
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    // Credentials come from the AWS variables, never from a URL that ends up in logs.
    throw new ConfigError(variable, 'must not carry credentials, a query or a fragment; use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY');
  }
  const trimmed = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  return { bucket: parsed.hostname, prefix: trimmed ? `${trimmed}/` : '' };
}
