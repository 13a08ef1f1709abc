/**
 * Go's text/template: one parser, one executor and Go's value formatting, shared by rule
 * templates (`../template`, Prometheus' functions and data) and notification templates
 * (`../alertmanager/template`, Alertmanager's). A host brings its functions, its data and how
 * that data models Go values ({@link ValueModel}).
 */
export { parseTemplateSource, lineColumn, TemplatePlaceError, TemplateSyntaxError, PARSE_LIMITS, type ParseOptions, type ParsedTemplate, type Node, type Arg, type Pipe, type Command } from './parse';
export { execute, TemplateExecError, DEFAULT_EXEC_LIMITS, type ExecLimits, type ExecOptions, type TemplateBody, type TemplateFunction } from './exec';
export { formatFloat, goSprintf, goTimeString } from './format';
export { NO_VALUE, SafeHtml, GoMapValue, asMap, goMethodsOf, isInt, printValue, textOf, toInt, truth, typeName, type ValueModel } from './values';
export { builtinFunctions, arity, htmlEscape, queryEscape } from './builtins';
export { compileRe2, goTitle, reMatch, reReplaceAll } from './strings';
