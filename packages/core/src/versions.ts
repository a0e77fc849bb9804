// API versions this toolkit speaks. Unknown or missing versions are refused with `supported_versions`.
import { AcpError } from './errors.js';

/** Supported ACP API versions, newest first (as `Error.supported_versions` is ordered). */
export const SUPPORTED_API_VERSIONS = ['2026-04-17'] as const;
export type ApiVersion = (typeof SUPPORTED_API_VERSIONS)[number];
export const LATEST_API_VERSION: ApiVersion = SUPPORTED_API_VERSIONS[0];

export function isSupportedApiVersion(version: string | undefined): version is ApiVersion {
  return (SUPPORTED_API_VERSIONS as readonly string[]).includes(version ?? '');
}

/** Returns the error to send for a missing or unsupported `API-Version`, or undefined when it is fine. */
export function checkApiVersion(version: string | undefined): AcpError | undefined {
  if (version === undefined || version === '') {
    return new AcpError('missing_api_version', 'The API-Version header is required.', {
      supportedVersions: SUPPORTED_API_VERSIONS,
    });
  }
  if (!isSupportedApiVersion(version)) {
    return new AcpError(
      'unsupported_api_version',
      `API version "${version}" is not supported. Use one of: ${SUPPORTED_API_VERSIONS.join(', ')}.`,
      { supportedVersions: SUPPORTED_API_VERSIONS },
    );
  }
  return undefined;
}
