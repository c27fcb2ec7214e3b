// The words for the products restgate stands in front of: which kind (its REST API differs) and where it
// lives on the listener. Types only, like identity.ts, so the request state, the authenticators and the
// directory can name a product without reaching into config/ or policy/.

export type ProductType = 'jira' | 'confluence'

export interface ProductRef {
  /** Its name in the policy (`jira`, `wiki`); for the single `upstream:` form, its type. */
  readonly name: string
  readonly type: ProductType
  /** `/jira`, or '' at the root: restgate serves the product under the same path as its upstream. */
  readonly contextPath: string
}
