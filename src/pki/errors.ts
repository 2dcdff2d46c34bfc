import { ExitCode, OvnctlError } from '../errors.js';

/**
 * A CA, key, certificate or certificate request ovnctl cannot use. Exit 5: the fix is in a local file or the
 * inventory. `file` names the local file at fault, when there is one. Messages never quote key material.
 */
export class PkiError extends OvnctlError {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message, ExitCode.invalidInput);
  }
}
