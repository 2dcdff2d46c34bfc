// The one import of @peculiar/x509: it loads tsyringe, which throws at load time on Node 20 unless a Reflect
// metadata polyfill is already installed. ESM evaluates imports in order, so the polyfill runs first here;
// every other file imports the library through this module.
import 'reflect-metadata';

export * from '@peculiar/x509';
