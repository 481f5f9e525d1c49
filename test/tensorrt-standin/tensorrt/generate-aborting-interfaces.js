#!/usr/bin/env node
// Writes aborting_interfaces.h: for every TensorRT implementation interface (NvInferImpl.h: nvinfer1::apiv::V*)
// and every ONNX parser interface (NvOnnxParser.h: nvonnxparser::I*), a class Aborting<Name> deriving from it in
// which each pure virtual method aborts with its name (dofa_standin::Unimplemented). The stand-in's classes derive
// from these and override only what they implement, so a call the stand-in does not implement stops the process
// naming the method instead of running into undefined behaviour. No dependencies: the headers' declarations are
// regular enough (one declaration per statement, no function-pointer parameters) for a small tokenizer.
//
//   node generate-aborting-interfaces.js <TENSORRT_INCLUDE_DIR> <out.h>
'use strict';

const fs = require('fs');
const path = require('path');

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

// Drops preprocessor lines (the interfaces themselves are not conditional in the headers this reads).
function stripPreprocessor(text) {
  return text.replace(/^\s*#[^\n]*(\\\n[^\n]*)*/gm, ' ');
}

// The text between the brace at `open` and its match.
function braceBody(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

// Splits at `separator` characters outside (), <>, [] and {}.
function splitTopLevel(text, separator) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ('(<[{'.includes(c)) depth++;
    else if (')>]}'.includes(c)) depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const QUALIFIERS = new Set(['const', 'volatile', 'struct', 'class', 'enum', 'typename']);
const BUILTINS = new Set(['int', 'char', 'short', 'long', 'unsigned', 'signed', 'float', 'double', 'bool', 'void', 'size_t']);

// One parameter without its default and without its name: "Dims const& dims = Dims{}" -> "Dims const&".
function parameterType(parameter) {
  const withoutDefault = splitTopLevel(parameter, '=')[0].trim();
  const tokens = withoutDefault.match(/::|[A-Za-z_]\w*|[^\sA-Za-z_]/g) || [];
  if (tokens.length < 2) return tokens.join(' ');
  const last = tokens[tokens.length - 1];
  const beforeLast = tokens[tokens.length - 2];
  const isIdentifier = /^[A-Za-z_]\w*$/.test(last);
  // The last identifier is a name when something before it already names a type: a pointer/reference/template
  // closer, or an identifier that is not merely a qualifier ("const Weights" is a type; "Weights w" a name).
  const typeBefore = tokens.slice(0, -1).some((t) => /^[*&>]$/.test(t) || (/^[A-Za-z_]\w*$/.test(t) && !QUALIFIERS.has(t)));
  const named = isIdentifier && beforeLast !== '::' && !QUALIFIERS.has(last) && !BUILTINS.has(last) && typeBefore;
  return join(named ? tokens.slice(0, -1) : tokens);
}

function join(tokens) {
  let text = '';
  for (const token of tokens) {
    const word = /^[A-Za-z_]/.test(token);
    const previousWord = /[A-Za-z_0-9]$/.test(text);
    text += (word && previousWord) || (word && /[*&>]$/.test(text)) ? ' ' + token : token;
  }
  return text;
}

// "virtual Dims getDimensions(char const* name, ...) const noexcept = 0" -> { ret, name, params, quals }
function parseMethod(statement) {
  let text = statement.replace(/\s+/g, ' ').trim();
  text = text.replace(/\b(TRT_DEPRECATED_API|TRT_DEPRECATED|TRT_NODISCARD|TENSORRTAPI)\b/g, ' ').trim();
  if (!/^virtual\b/.test(text) || !/=\s*0$/.test(text)) return null;
  text = text.replace(/^virtual\s*/, '').replace(/=\s*0$/, '').trim();
  const open = text.indexOf('(');
  let depth = 0;
  let close = -1;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (open < 0 || close < 0) throw new Error(`cannot parse: ${statement}`);
  const head = text.slice(0, open).trim();
  const nameMatch = head.match(/([A-Za-z_]\w*)$/);
  if (!nameMatch) throw new Error(`no method name: ${statement}`);
  const name = nameMatch[1];
  const ret = head.slice(0, head.length - name.length).trim();
  const inside = text.slice(open + 1, close).trim();
  const params = inside === '' || inside === 'void' ? [] : splitTopLevel(inside, ',').map(parameterType);
  const quals = text.slice(close + 1).replace(/\boverride\b/g, '').trim();
  return { ret, name, params, quals };
}

// Every class named by `pattern` in `text`, with its pure virtual methods.
function interfaces(text, pattern) {
  const found = [];
  const regex = new RegExp(`\\bclass\\s+(?:TRT_DEPRECATED\\s+)?(${pattern})\\s*(?::[^{;]*)?\\{`, 'g');
  let match;
  while ((match = regex.exec(text)) !== null) {
    const body = braceBody(text, match.index + match[0].length - 1).replace(/\b(public|protected|private)\s*:/g, ';');
    const methods = splitTopLevel(body, ';').map(parseMethod).filter(Boolean);
    if (methods.length > 0) found.push({ name: match[1], methods });
  }
  return found;
}

function emitClass(iface, owner) {
  const lines = [`class Aborting${iface.name} : public ${iface.name}`, '{', 'public:'];
  for (const m of iface.methods) {
    const ret = m.ret === '' ? '' : `${m.ret} `;
    lines.push(`    ${ret}${m.name}(${m.params.join(', ')})${m.quals ? ' ' + m.quals : ''} override`);
    lines.push(`    {`);
    lines.push(`        ::dofa_standin::Unimplemented("${owner}${iface.name}::${m.name}");`);
    lines.push(`    }`);
  }
  lines.push('};', '');
  return lines.join('\n');
}

function main() {
  const [includeDir, out] = process.argv.slice(2);
  if (!includeDir || !out) {
    console.error('usage: node generate-aborting-interfaces.js <TENSORRT_INCLUDE_DIR> <out.h>');
    process.exit(2);
  }
  const read = (file) => stripPreprocessor(stripComments(fs.readFileSync(path.join(includeDir, file), 'utf8')));
  const impl = read('NvInferImpl.h');
  const apivStart = impl.search(/namespace\s+apiv\s*\{/);
  if (apivStart < 0) throw new Error('NvInferImpl.h: no namespace apiv');
  const apiv = braceBody(impl, impl.indexOf('{', apivStart));
  const inferInterfaces = interfaces(apiv, 'V\\w+');
  const parserInterfaces = interfaces(read('NvOnnxParser.h'), 'IParser\\w*');
  if (inferInterfaces.length < 10 || parserInterfaces.length < 2) throw new Error('too few interfaces found');

  const text = [
    '// Generated by test/tensorrt-standin/tensorrt/generate-aborting-interfaces.js from',
    `// ${path.resolve(includeDir)}: do not edit. Every method aborts naming itself.`,
    '#pragma once',
    '',
    '#include <NvInfer.h>',
    '#include <NvOnnxParser.h>',
    '',
    '#include "common/faults.h"',
    '',
    '// The interfaces include deprecated ones (IInt8Calibrator, destroy()); implementing them is the point.',
    '#pragma GCC diagnostic push',
    '#pragma GCC diagnostic ignored "-Wdeprecated-declarations"',
    '',
    'namespace nvinfer1',
    '{',
    'namespace apiv',
    '{',
    '',
    ...inferInterfaces.map((i) => emitClass(i, '')),
    '} // namespace apiv',
    '} // namespace nvinfer1',
    '',
    'namespace nvonnxparser',
    '{',
    '',
    ...parserInterfaces.map((i) => emitClass(i, 'nvonnxparser::')),
    '} // namespace nvonnxparser',
    '',
    '#pragma GCC diagnostic pop',
    '',
  ].join('\n');
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const temporary = `${out}.tmp${process.pid}`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, out);
}

main();
