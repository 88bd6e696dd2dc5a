/**
 * A CSAF product tree as matchers per product id. Products come from three
 * places: `branches` (walked to their leaves' `product`),
 * `full_product_names`, and `relationships` (a `full_product_name` that is
 * component `product_reference` inside `relates_to_product_reference`).
 * A product's identity is its `product_identification_helper`: `purl`
 * (2.0) or `purls` (2.1) become purl matchers, `cpe` an unmatchable CPE; a
 * product with no helper is known only by name and matches nothing. A
 * relationship product is a `within` matcher: the platform must be the
 * scanned target and the component the finding's package — so "openssl in
 * RHEL 8" never rules on a scan of something else.
 *
 * @example
 *   const tree = productTree(doc, name);
 *   tree.products.get('CSAFPID-0001'); // [{ $case: 'purl', … }]
 */
import { invalidVex, isObject, list, strings, text, type JsonObject } from '../fields.js';
import { productFromId } from '../product.js';
import type { ProductMatcher } from '../statement.js';

/** Product ids to matchers, and product group ids to their product ids. */
export interface ProductTree {
  products: Map<string, ProductMatcher[]>;
  groups: Map<string, string[]>;
}

/** Reads `product_tree`; VEX_INVALID when a relationship names a product the tree does not hold. */
export function productTree(doc: JsonObject, name: string): ProductTree {
  const tree = isObject(doc['product_tree']) ? doc['product_tree'] : {};
  const products = new Map<string, ProductMatcher[]>();
  const add = (product: unknown): void => {
    if (!isObject(product)) return;
    const id = text(product, 'product_id');
    if (id !== undefined) products.set(id, identify(product));
  };
  // Branches nest (vendor → product name → version); a work list walks them without recursion.
  const queue: unknown[] = [...list(tree, 'branches', name, 'product_tree')];
  for (let i = 0; i < queue.length; i++) {
    const branch = queue[i];
    if (!isObject(branch)) continue;
    add(branch['product']);
    if (Array.isArray(branch['branches'])) queue.push(...branch['branches']);
  }
  for (const product of list(tree, 'full_product_names', name, 'product_tree')) add(product);
  const relationships = list(tree, 'relationships', name, 'product_tree').filter(isObject);
  for (const relationship of relationships) {
    const product = isObject(relationship['full_product_name']) ? relationship['full_product_name'] : undefined;
    const id = product === undefined ? undefined : text(product, 'product_id');
    if (id === undefined) continue;
    const component = lookup(products, text(relationship, 'product_reference'), name, id);
    const platform = lookup(products, text(relationship, 'relates_to_product_reference'), name, id);
    products.set(id, [{ $case: 'within', product: platform, components: component }]);
  }
  const groups = new Map<string, string[]>();
  for (const group of list(tree, 'product_groups', name, 'product_tree').filter(isObject)) {
    const id = text(group, 'group_id');
    if (id !== undefined) groups.set(id, strings(group['product_ids']));
  }
  return { products, groups };
}

function lookup(products: Map<string, ProductMatcher[]>, id: string | undefined, name: string, relationship: string): ProductMatcher[] {
  const found = id === undefined ? undefined : products.get(id);
  if (found === undefined) throw invalidVex(name, `relationship ${relationship} refers to product ${id ?? '(none)'}, which the product tree does not define`);
  return found;
}

/** The matchers of one full product name. */
function identify(product: JsonObject): ProductMatcher[] {
  const helper = isObject(product['product_identification_helper']) ? product['product_identification_helper'] : {};
  const ids = [text(helper, 'purl'), ...strings(helper['purls']), text(helper, 'cpe')].filter((id): id is string => id !== undefined);
  if (ids.length === 0) return [{ $case: 'other', id: text(product, 'name') ?? text(product, 'product_id') ?? 'unnamed product' }];
  return [...new Set(ids)].map(productFromId);
}
