/**
 * Flow versions: validate, store, list, roll back. Knows nothing of HTTP or SQL: it speaks in parsed
 * documents, version numbers and result values, and reaches storage only through the Store port.
 */
import type { Flow, FlowProblem } from '../flow/types.ts';
import { validateFlow } from '../flow/validate.ts';
import type { FlowVersionRecord, Store } from '../store/store.ts';

export interface FlowVersionListing {
  current: number | null;
  versions: { version: number; name: string; createdAt: string; current: boolean }[];
}

export type UploadResult =
  | { ok: true; version: number; createdAt: string; warnings: FlowProblem[] }
  | { ok: false; reason: 'invalid'; errors: FlowProblem[]; warnings: FlowProblem[] }
  | { ok: false; reason: 'too_large'; message: string; details: FlowProblem[] }
  | { ok: false; reason: 'version_conflict'; current: number | null };

export type ActivationResult =
  | { ok: true; version: number }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'version_conflict'; current: number | null };

export interface FlowServiceOptions {
  store: Store;
  /** Called once a version became current (upload or rollback): the runtime prepares classifiers, drops caches. */
  onFlowActivated?: (version: number) => void | Promise<void>;
  /** Where a failing onFlowActivated is reported; the upload itself has already succeeded. */
  onHookError?: (err: unknown, version: number) => void;
  /**
   * Refuses a valid flow this server could not run within its resources (the intent models' memory,
   * see admin/intent-model-capacity.ts), before it is stored; null when it fits.
   */
  capacity?: (flow: Flow) => { message: string; details: FlowProblem[] } | null;
  /**
   * Notes on a stored and activated version, added to the upload's warnings (the thresholds the
   * offline classifier derived at training, see admin/intent-thresholds.ts).
   */
  uploadNotes?: (flow: Flow, version: number) => FlowProblem[];
  now?: () => Date;
}

export interface ValidationReport {
  valid: boolean;
  errors: FlowProblem[];
  warnings: FlowProblem[];
  /** The flow, when valid: what the stored conversation tests run against. */
  flow?: Flow;
}

export interface FlowService {
  validate(document: unknown): ValidationReport;
  upload(input: { raw: string; document: unknown; ifMatch?: number | null }): Promise<UploadResult>;
  current(): Promise<FlowVersionRecord | null>;
  version(version: number): Promise<FlowVersionRecord | null>;
  versions(): Promise<FlowVersionListing>;
  activate(version: number, ifMatch?: number): Promise<ActivationResult>;
  /** Stores `raw` as version 1 when the store holds no flow yet; returns the version installed, if any. */
  installDefault(raw: string): Promise<number | null>;
}

export function createFlowService(options: FlowServiceOptions): FlowService {
  const { store } = options;
  const now = options.now ?? (() => new Date());

  async function activated(version: number): Promise<void> {
    try {
      await options.onFlowActivated?.(version);
    } catch (err) {
      options.onHookError?.(err, version);
    }
  }

  function notesOn(flow: Flow, version: number): FlowProblem[] {
    try {
      return options.uploadNotes?.(flow, version) ?? [];
    } catch (err) {
      options.onHookError?.(err, version);
      return [];
    }
  }

  function validate(document: unknown): ValidationReport {
    const result = validateFlow(document);
    if (!result.valid) return { valid: false, errors: result.errors, warnings: result.warnings };
    // Validation answers what an upload would: a flow too large to run is not valid here.
    const tooLarge = options.capacity?.(result.flow);
    if (tooLarge) return { valid: false, errors: tooLarge.details, warnings: result.warnings };
    return { valid: true, errors: result.errors, warnings: result.warnings, flow: result.flow };
  }

  async function upload(input: {
    raw: string;
    document: unknown;
    ifMatch?: number | null;
  }): Promise<UploadResult> {
    const result = validateFlow(input.document);
    if (!result.valid)
      return { ok: false, reason: 'invalid', errors: result.errors, warnings: result.warnings };
    const tooLarge = options.capacity?.(result.flow);
    if (tooLarge) return { ok: false, reason: 'too_large', ...tooLarge };
    const created = await store.createFlowVersion({
      raw: input.raw,
      name: result.flow.name,
      at: now().toISOString(),
      ...(input.ifMatch === undefined ? {} : { ifMatch: input.ifMatch }),
    });
    if (!created.ok) return { ok: false, reason: 'version_conflict', current: created.current };
    await activated(created.version.version);
    return {
      ok: true,
      version: created.version.version,
      createdAt: created.version.createdAt,
      warnings: [...result.warnings, ...notesOn(result.flow, created.version.version)],
    };
  }

  async function versions(): Promise<FlowVersionListing> {
    const listing = await store.listFlowVersions();
    return {
      current: listing.current,
      versions: listing.versions
        .map((meta) => ({ ...meta, current: meta.version === listing.current }))
        .sort((a, b) => b.version - a.version),
    };
  }

  async function activate(version: number, ifMatch?: number): Promise<ActivationResult> {
    const result = await store.activateFlowVersion(version, ifMatch);
    if (!result.ok) return result;
    await activated(version);
    return { ok: true, version };
  }

  async function installDefault(raw: string): Promise<number | null> {
    if ((await store.getCurrentFlowVersion()) !== null) return null;
    // Instances starting together on one database: only one installs it.
    const result = await upload({ raw, document: JSON.parse(raw), ifMatch: null });
    if (result.ok) return result.version;
    if (result.reason === 'invalid') {
      throw new Error(`the default flow is invalid: ${JSON.stringify(result.errors.slice(0, 5))}`);
    }
    if (result.reason === 'too_large') throw new Error(`the default flow is refused: ${result.message}`);
    return null;
  }

  return {
    validate,
    upload,
    current: () => store.getCurrentFlowVersion(),
    version: (version) => store.getFlowVersion(version),
    versions,
    activate,
    installDefault,
  };
}
