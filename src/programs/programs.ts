/** Programmes: a unique name and an eligibility rule, checked when saved; every save is a new version, old ones kept. */
import type { Types } from 'mongoose';
import { conflict, GatewayError, notFound } from '../errors';
import { objectId, text } from '../registry/input';
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import type { ProgramDoc, ProgramVersionDoc } from '../store/models/program';
import { runnableRule } from './rule';

export const MAX_PROGRAM_NAME = 100;

export interface ProgramInput {
  name?: string | null;
  rule?: string | null;
}

const versionId = (program: Types.ObjectId, version: number) => `${program}:v${version}`;
/** FerretDB 1.24 reports an update that breaks a unique index as an internal error naming SQLite's constraint, not as E11000. */
const breaksUniqueIndex = (error: unknown) => isDuplicateKey(error) || /UNIQUE constraint failed/.test((error as { message?: string }).message ?? '');
const duplicateName = (name: string) => conflict('DUPLICATE_NAME', `a programme named "${name}" already exists`);

export async function createProgram(models: RegistryModels, input: ProgramInput, now: Date, by?: string): Promise<ProgramDoc> {
  const name = text('input.name', input.name, { required: true, max: MAX_PROGRAM_NAME })!;
  const rule = runnableRule(input.rule ?? '', 'input.rule').text;
  const program = new models.Program({ name, rule, version: 1, createdAt: now, updatedAt: now });
  // The version first: a programme never exists without the record of its first rule.
  await models.ProgramVersion.create({ _id: versionId(program._id, 1), program: program._id, version: 1, name, rule, savedAt: now, savedBy: by });
  try {
    await program.save();
  } catch (error) {
    await models.ProgramVersion.deleteOne({ _id: versionId(program._id, 1) });
    if (breaksUniqueIndex(error)) throw duplicateName(name);
    throw error;
  }
  return program.toObject();
}

/**
 * Saves a new version (name, rule or both) over `version`, the one the caller read. The version
 * document is inserted first: its unique `_id` lets one writer of version n+1 win on every engine.
 */
export async function updateProgram(models: RegistryModels, rawId: string, version: number, input: ProgramInput, now: Date, by?: string): Promise<ProgramDoc> {
  const id = objectId('id', rawId);
  if (!Number.isInteger(version) || version < 1) throw new GatewayError('BAD_USER_INPUT', 'version: must be a positive integer', { field: 'version' });
  const name = text('input.name', input.name, { required: false, max: MAX_PROGRAM_NAME });
  if (name === '') throw new GatewayError('BAD_USER_INPUT', 'input.name: must not be empty', { field: 'input.name' });
  const rule = input.rule === undefined || input.rule === null ? undefined : runnableRule(input.rule, 'input.rule').text;
  if (name === undefined && rule === undefined) throw new GatewayError('BAD_USER_INPUT', 'input: holds no change', { field: 'input' });
  const current = await models.Program.findById(id).lean();
  if (!current) throw notFound('programme');
  const stale = () => conflict('STALE_VERSION', `the programme was changed by someone else; reload it and apply your change to version ${current.version}`);
  if (current.version !== version) throw stale();
  const next = { name: name ?? current.name, rule: rule ?? current.rule, version: version + 1, updatedAt: now };
  if (name !== undefined && name !== current.name && (await models.Program.exists({ name }))) throw duplicateName(name);
  try {
    await models.ProgramVersion.create({ _id: versionId(id, next.version), program: id, version: next.version, name: next.name, rule: next.rule, savedAt: now, savedBy: by });
  } catch (error) {
    if (breaksUniqueIndex(error)) throw stale();
    throw error;
  }
  try {
    await models.Program.updateOne({ _id: id, version }, { $set: next });
  } catch (error) {
    await models.ProgramVersion.deleteOne({ _id: versionId(id, next.version) });
    if (breaksUniqueIndex(error)) throw duplicateName(next.name);
    throw error;
  }
  return { ...current, ...next };
}

export const listPrograms = (models: RegistryModels) => models.Program.find().sort({ name: 1 }).lean();

export async function findProgram(models: RegistryModels, rawId: string, field = 'id'): Promise<ProgramDoc> {
  const program = await models.Program.findById(objectId(field, rawId)).lean();
  if (!program) throw notFound('programme');
  return program;
}

export async function programByName(models: RegistryModels, name: string): Promise<ProgramDoc> {
  const program = await models.Program.findOne({ name: name.trim() }).lean();
  if (!program) throw notFound(`programme "${name.trim()}"`);
  return program;
}

/** Every saved version, oldest first (reached by their ids, which the current version number enumerates). */
export async function programVersions(models: RegistryModels, program: ProgramDoc): Promise<ProgramVersionDoc[]> {
  const ids = Array.from({ length: program.version }, (_, i) => versionId(program._id, i + 1));
  const versions = await models.ProgramVersion.find({ _id: { $in: ids } }).lean();
  return versions.sort((a, b) => a.version - b.version);
}
