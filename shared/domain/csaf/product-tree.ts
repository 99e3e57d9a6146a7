import type { AdvisoryProduct } from '../advisory';
import { isKnownManufacturer, manufacturerKeysOf, normalizeManufacturer } from '../manufacturer';
import { parseVersionSpec } from '../version-spec';
import {
  type CsafIssues,
  describeType,
  isRecord,
  type JsonRecord,
  optionalArray,
  optionalRecord,
  requiredString,
  stringArray,
} from './csaf-reader';

/** Deeper branch nesting than this is rejected: real advisories use 3–5 levels, and recursion must stay bounded. */
export const MAX_BRANCH_DEPTH = 64;

const BRANCH_CATEGORIES = new Set([
  'architecture',
  'host_name',
  'language',
  'legacy',
  'patch_level',
  'platform',
  'product_family',
  'product_name',
  'product_version',
  'product_version_range',
  'service_pack',
  'specification',
  'vendor',
]);

/** What the branches above a product said about it. */
interface BranchContext {
  vendors: string[];
  family: string;
  productName: string;
  version?: string;
  otherParts: string[];
}

export interface ProductTree {
  products: AdvisoryProduct[];
  /** product_groups: group id → product ids. */
  groups: Map<string, string[]>;
}

const UNKNOWN_MANUFACTURER = 'unknown';

/** Reads CSAF `product_tree`: branches (recursively), full_product_names, relationships and product_groups. */
export function readProductTree(tree: JsonRecord, issues: CsafIssues): ProductTree {
  const products: AdvisoryProduct[] = [];
  const seen = new Map<string, string>();
  const addProduct = (product: AdvisoryProduct, path: string): void => {
    const firstPath = seen.get(product.productId);
    if (firstPath !== undefined) {
      issues.error(path, `duplicate product_id ${product.productId} (first defined at ${firstPath})`);
      return;
    }
    seen.set(product.productId, path);
    products.push(product);
  };

  const branches = optionalArray(tree, 'branches', 'product_tree', issues);
  walkBranches(branches, 'product_tree.branches', 1, emptyContext(), issues, addProduct);

  optionalArray(tree, 'full_product_names', 'product_tree', issues).forEach((item, i) => {
    const path = `product_tree.full_product_names[${i}]`;
    const product = readFullProductName(item, path, emptyContext(), issues);
    if (product) addProduct(product, path);
  });

  const byId = new Map(products.map((p) => [p.productId, p]));
  optionalArray(tree, 'relationships', 'product_tree', issues).forEach((item, i) => {
    const path = `product_tree.relationships[${i}]`;
    const product = readRelationship(item, path, byId, issues);
    if (product) addProduct(product, `${path}.full_product_name`);
  });

  const groups = new Map<string, string[]>();
  optionalArray(tree, 'product_groups', 'product_tree', issues).forEach((item, i) => {
    const path = `product_tree.product_groups[${i}]`;
    if (!isRecord(item)) {
      issues.error(path, `expected an object, got ${describeType(item)}`);
      return;
    }
    const groupId = requiredString(item, 'group_id', path, issues);
    const ids = stringArray(item, 'product_ids', path, issues);
    if (groupId !== '') {
      if (groups.has(groupId)) issues.error(`${path}.group_id`, `duplicate group_id ${groupId}`);
      else groups.set(groupId, ids);
    }
  });

  return { products, groups };
}

function emptyContext(): BranchContext {
  return { vendors: [], family: '', productName: '', otherParts: [] };
}

function walkBranches(
  branches: unknown[],
  path: string,
  depth: number,
  context: BranchContext,
  issues: CsafIssues,
  addProduct: (product: AdvisoryProduct, path: string) => void,
): void {
  if (depth > MAX_BRANCH_DEPTH) {
    issues.error(path, `branches nested deeper than ${MAX_BRANCH_DEPTH} levels; refusing to read further`);
    return;
  }
  branches.forEach((branch, i) => {
    const branchPath = `${path}[${i}]`;
    if (!isRecord(branch)) {
      issues.error(branchPath, `expected an object, got ${describeType(branch)}`);
      return;
    }
    const category = requiredString(branch, 'category', branchPath, issues);
    const name = requiredString(branch, 'name', branchPath, issues);
    if (category !== '' && !BRANCH_CATEGORIES.has(category)) {
      issues.warn(`${branchPath}.category`, `unknown branch category "${category}", read as a name part`);
    }
    const next = extendContext(context, category, name);
    const children = branch.branches;
    const product = branch.product;
    if (children === undefined && product === undefined) {
      issues.warn(branchPath, 'branch has neither branches nor product; ignored');
    }
    if (children !== undefined) {
      if (!Array.isArray(children)) {
        issues.error(`${branchPath}.branches`, `expected an array, got ${describeType(children)}`);
      } else {
        walkBranches(children, `${branchPath}.branches`, depth + 1, next, issues, addProduct);
        // One deep chain must produce one error, not one per level on the way back up.
        if (issues.errors.some((e) => e.includes('nested deeper than'))) return;
      }
    }
    if (product !== undefined) {
      const read = readFullProductName(product, `${branchPath}.product`, next, issues);
      if (read) addProduct(read, `${branchPath}.product`);
    }
  });
}

function extendContext(context: BranchContext, category: string, name: string): BranchContext {
  switch (category) {
    case 'vendor':
      return { ...context, vendors: [...context.vendors, name] };
    case 'product_family':
      return { ...context, family: context.family === '' ? name : `${context.family} ${name}` };
    case 'product_name':
      return {
        ...context,
        productName: context.productName === '' ? name : `${context.productName} ${name}`,
      };
    case 'product_version':
    case 'product_version_range':
      return { ...context, version: name };
    default:
      return { ...context, otherParts: [...context.otherParts, name] };
  }
}

function readFullProductName(
  value: unknown,
  path: string,
  context: BranchContext,
  issues: CsafIssues,
): AdvisoryProduct | undefined {
  if (!isRecord(value)) {
    issues.error(path, `expected an object, got ${describeType(value)}`);
    return undefined;
  }
  const productId = requiredString(value, 'product_id', path, issues);
  const fullName = requiredString(value, 'name', path, issues);
  if (productId === '') return undefined;
  const helper = optionalRecord(value, 'product_identification_helper', path, issues);
  const modelNumbers = helper
    ? stringArray(helper, 'model_numbers', `${path}.product_identification_helper`, issues)
    : [];

  const vendorText = context.vendors.join(' ');
  const keys = vendorText !== '' ? manufacturerKeysOf(vendorText) : guessManufacturerKeys(fullName);
  if (keys.length === 0) issues.warn(path, `no vendor for product ${productId}; manufacturer unknown`);
  const manufacturerKey = keys[0] ?? UNKNOWN_MANUFACTURER;

  const productName =
    [context.productName, ...context.otherParts].filter((p) => p !== '').join(' ') ||
    fullName.replace(/:\s*[^:]*$/, '').trim() ||
    fullName;
  let versionText = context.version;
  if (versionText === undefined) {
    issues.warn(path, `product ${productId} has no version branch; its versions are not evaluable`);
    versionText = '';
  }
  const parsed = parseVersionSpec(versionText);
  for (const note of parsed.notes) {
    if (note.startsWith('invalid vers')) issues.warn(path, `${note} ("${versionText}"); read as comparators`);
  }
  return {
    productId,
    vendor: vendorText,
    manufacturerKey,
    productName,
    productFamily: context.family,
    fullName,
    versionSpec: { raw: parsed.raw, kind: parsed.kind },
    modelNumbers,
    ...(keys.length > 1 ? { manufacturerKeys: keys } : {}),
  };
}

/** A product without a vendor branch: take the manufacturer from the leading words of its name when known. */
function guessManufacturerKeys(fullName: string): string[] {
  const words = fullName.split(/\s+/);
  for (let n = Math.min(3, words.length); n >= 1; n--) {
    const prefix = words.slice(0, n).join(' ');
    if (isKnownManufacturer(prefix)) return [normalizeManufacturer(prefix)];
  }
  return [];
}

function readRelationship(
  value: unknown,
  path: string,
  byId: Map<string, AdvisoryProduct>,
  issues: CsafIssues,
): AdvisoryProduct | undefined {
  if (!isRecord(value)) {
    issues.error(path, `expected an object, got ${describeType(value)}`);
    return undefined;
  }
  const category = requiredString(value, 'category', path, issues);
  const reference = requiredString(value, 'product_reference', path, issues);
  const relatesTo = requiredString(value, 'relates_to_product_reference', path, issues);
  const full = value.full_product_name;
  if (!isRecord(full)) {
    issues.error(
      `${path}.full_product_name`,
      full === undefined ? 'required' : `expected an object, got ${describeType(full)}`,
    );
    return undefined;
  }
  const component = byId.get(reference);
  if (reference !== '' && component === undefined) {
    issues.warn(`${path}.product_reference`, `unknown product id ${reference}`);
  }
  if (relatesTo !== '' && !byId.has(relatesTo)) {
    issues.warn(`${path}.relates_to_product_reference`, `unknown product id ${relatesTo}`);
  }
  // The relationship product is the component (e.g. firmware) in a context: it belongs to the component's vendor.
  const context: BranchContext = component
    ? {
        vendors: component.vendor === '' ? [] : [component.vendor],
        family: component.productFamily,
        productName: component.productName,
        version: component.versionSpec.raw,
        otherParts: [],
      }
    : emptyContext();
  const product = readFullProductName(full, `${path}.full_product_name`, context, issues);
  if (!product) return undefined;
  const target = byId.get(relatesTo);
  return {
    ...product,
    modelNumbers: [...new Set([...product.modelNumbers, ...(target?.modelNumbers ?? [])])],
    relationship: { category, productReference: reference, relatesToProductReference: relatesTo },
  };
}
