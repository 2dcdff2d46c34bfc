// The connector interface (pyinfra connectors/base.py): connect, run a command, close.
// File uploads go through exec with stdin, so one interface serves ssh and local.

/** One result type for every command that ran (zx's ProcessOutput / execa's result). */
export interface ExecResult {
  /** The command as shown to users: secrets masked. */
  command: string;
  /** null when the channel closed without an exit status (counts as failure). */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  failed: boolean;
  timedOut: boolean;
}

export interface ExecOptions {
  /** Text shown in errors and logs instead of the script (secrets masked). */
  display?: string;
  stdin?: Buffer | string;
  /** Per-command timeout; on expiry the channel is closed and the result is timedOut + failed. */
  timeoutMs?: number;
  /**
   * Called with each line of output as it arrives (\n, \r\n or a lone \r ends a line; a last line without
   * an end comes when the command ends), so a long command can say what it waits for. The full output
   * is in the result as well. Must not throw.
   */
  onOutput?: OutputListener;
  /**
   * Keeps the command's stdin open (after `stdin`, if given) until this signal aborts, then sends EOF: a
   * command that reads stdin to its end lives as long as the caller wants, and no longer than the
   * connection (the run lock). ssh.commandTimeout does not apply to it.
   */
  holdStdin?: AbortSignal;
}

export type OutputListener = (line: string, stream: 'stdout' | 'stderr') => void;

export interface Connection {
  readonly hostName: string;
  /** Opens the transport; rejects with UnreachableError / HostKeyError. Idempotent. */
  connect(): Promise<void>;
  /** Runs a POSIX sh script (through `sudo -n` when the host has become: true). Never throws for a non-zero exit. */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /** Peak number of exec channels open at once on this connection (instrumentation for tests). */
  readonly peakChannels: number;
}
