export { FieldCipher } from './field-cipher';
export type { EncryptionOptions, EncryptedValue } from './field-cipher';
