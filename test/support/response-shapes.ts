/**
 * The documented fields of the response bodies that several specs check to the letter: a field
 * added or dropped must fail every spec that looks, from one list.
 */
export const USER_RESPONSE_KEYS = [
  'birthDate',
  'createdAt',
  'email',
  'emailVerified',
  'id',
  'isActive',
  'mfaEnabled',
  'role',
  'updatedAt',
  'username',
];

export const AUDIT_EVENT_KEYS = [
  'createdAt',
  'hash',
  'id',
  'ip',
  'metadata',
  'prevHash',
  'requestId',
  'type',
  'userAgent',
  'userId',
];
