// CustomResourceDefinitions: first of all, so their resources are served when the rest comes.
import type { KindRule } from './rule.ts';

export const customResourceDefinitions: KindRule = { appliesTo: ['customresourcedefinitions.apiextensions.k8s.io'], phase: 'custom resource definitions' };
