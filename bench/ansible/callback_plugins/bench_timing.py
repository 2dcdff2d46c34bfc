# Per-host, per-task durations as JSON lines (to $BENCH_TIMING_FILE) for bench/run.mjs: Debian's
# ansible-core has no profile_tasks (that lives in ansible.posix), and the bench needs per-host times
# of the apt tasks to compute the apt floor the same way as for ovnctl's --json events.
import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: bench_timing
    type: aggregate
    short_description: per-host task durations as JSON lines for the ovnctl benchmark
    description: writes one line per finished (host, task) to the file named by BENCH_TIMING_FILE
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get('BENCH_TIMING_FILE')
        self._started = {}
        self._play = ''

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _done(self, result, status):
        if not self._path:
            return
        host = result._host.get_name()
        task = result._task
        start = self._started.pop((host, task._uuid), None)
        ms = round((time.monotonic() - start) * 1000) if start is not None else None
        changed = bool(result._result.get('changed')) if status == 'ok' else False
        line = {'play': self._play, 'task': task.get_name(), 'host': host,
                'status': 'changed' if changed else status, 'durationMs': ms}
        with open(self._path, 'a') as f:
            f.write(json.dumps(line) + '\n')

    def v2_runner_on_ok(self, result):
        self._done(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._done(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._done(result, 'unreachable')
