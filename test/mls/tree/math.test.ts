import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commonAncestor,
  copath,
  directPath,
  leafIndex,
  leafToNode,
  nodeIndex,
  nodeWidth,
  parent,
  root,
  sibling,
} from '../../../main/mls/tree/math.js';
import { ArgumentError } from '../../../main/mls/errors.js';

test('RFC 9420 Appendix C example: 8 leaves', () => {
  assert.equal(nodeWidth(8), 15);
  assert.equal(root(8), 7);
  // leaf 0 (node 0): direct path 1, 3, 7; copath 2, 5, 11
  assert.deepEqual(directPath(nodeIndex(0), 8), [1, 3, 7]);
  assert.deepEqual(copath(nodeIndex(0), 8), [2, 5, 11]);
  assert.deepEqual(directPath(nodeIndex(14), 8), [13, 11, 7]);
});

test('siblings and parents in a 4-leaf tree', () => {
  assert.equal(root(4), 3);
  assert.equal(parent(nodeIndex(4), 4), 5);
  assert.equal(parent(nodeIndex(5), 4), 3);
  assert.equal(sibling(nodeIndex(5), 4), 1);
  assert.equal(sibling(nodeIndex(6), 4), 4);
  assert.deepEqual(directPath(nodeIndex(6), 4), [5, 3]);
  assert.deepEqual(copath(nodeIndex(6), 4), [4, 1]);
});

test('leaf counts that are not a power of two are refused (RFC 9420 §7.8: trees are full)', () => {
  assert.throws(() => root(5), ArgumentError);
  assert.throws(() => nodeWidth(3), ArgumentError);
});

test('common ancestor', () => {
  assert.equal(commonAncestor(nodeIndex(0), nodeIndex(2)), 1);
  assert.equal(commonAncestor(nodeIndex(0), nodeIndex(14)), 7);
  assert.equal(commonAncestor(nodeIndex(4), nodeIndex(6)), 5);
  assert.equal(commonAncestor(nodeIndex(3), nodeIndex(0)), 3);
});

test('bad arguments are typed errors', () => {
  assert.throws(() => root(0), ArgumentError);
  assert.throws(() => leafIndex(-1), ArgumentError);
  assert.throws(() => leafIndex(1.5), ArgumentError);
  assert.throws(() => parent(root(4), 4), ArgumentError);
  assert.throws(() => directPath(nodeIndex(9), 4), ArgumentError);
  assert.equal(leafToNode(leafIndex(3)), 6);
});
