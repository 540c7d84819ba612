// vstorage path rules shared by agvm's vats (bundled into each).

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** A vstorage path segment from any text: characters outside [A-Za-z0-9_-] become '_'. */
export const safeSegment = text => String(text).replace(/[^A-Za-z0-9_-]/g, '_') || '_';

/** Throws unless `rel` is a dot-separated path of [A-Za-z0-9_-] segments. */
export const checkRelativePath = rel => {
  if (typeof rel !== 'string' || rel === '' || !rel.split('.').every(s => SEGMENT.test(s))) {
    throw Error(`bad vstorage path ${JSON.stringify(rel)}: dot-separated segments of [A-Za-z0-9_-]`);
  }
  return rel;
};
