// The lab's public face: bring real Debian hosts up and down on this machine (see lab.ts).
export {
  labAddHost,
  labCacheDir,
  labDown,
  labStartHost,
  labStatus,
  labStopHost,
  labUp,
  type Lab,
  type LabAddHostOptions,
  type LabDirOptions,
  type LabDownResult,
  type LabHost,
  type LabHostChange,
  type LabHostOptions,
  type LabHostState,
  type LabHostStatus,
  type LabRole,
  type LabStatus,
  type LabUpOptions,
  type Progress,
} from './lab.js';
export { DEFAULT_LAB_NAME, defaultLabDir, labNames } from './lab-names.js';
export { labFiles, LAB_OVNKUBE_BINARY } from './lab-inventory.js';
export {
  parseRecorderLog,
  recorderScriptPath,
  RECORDER_ARGV_LOG,
  RECORDER_PIDFILE,
  type RecordedStart,
} from './ovnkube-recorder.js';
export { labUnavailableReason } from './preflight.js';
