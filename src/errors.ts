// Small named errors; the CLI entry (src/cli/index.ts) is the one place that turns them into exit codes.

export const ExitCode = {
  ok: 0,
  internal: 1,
  hostFailed: 2,
  unreachable: 4,
  invalidInput: 5,
  interrupted: 130,
} as const;

export class OvnctlError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.internal,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Where in an input file a problem is: 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** Bad inventory, playbook or options: exit 5, and no host was contacted. */
export class InputError extends OvnctlError {
  constructor(
    readonly detail: string,
    readonly pos?: SourcePos,
  ) {
    super(pos ? `${pos.file}:${pos.line}:${pos.col}: ${detail}` : detail, ExitCode.invalidInput);
  }
}

/** A host could not be reached or authenticated: the host is "unreachable". */
export class UnreachableError extends OvnctlError {
  constructor(message: string) {
    super(message, ExitCode.unreachable);
  }
}

/** A host's key is unknown or changed under `strict` checking. Also unreachable. */
export class HostKeyError extends UnreachableError {}

/** A task failed on a host; the message is what the user sees in the recap. */
export class TaskFailure extends OvnctlError {
  constructor(message: string) {
    super(message, ExitCode.hostFailed);
  }
}

/**
 * The host did not answer a read (it timed out, or ended without an exit status): the host failed, not one
 * task, so neither a retry nor a gate's "every check runs" would learn more; they would only wait again.
 */
export class HostReadFailure extends TaskFailure {}

export class InterruptedError extends OvnctlError {
  constructor() {
    super('interrupted', ExitCode.interrupted);
  }
}
