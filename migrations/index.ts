import { InitialSchema1796342400000 } from './1796342400000-InitialSchema';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests run the same set. */
export const MIGRATIONS = [InitialSchema1796342400000];
