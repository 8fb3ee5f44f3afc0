// Roles as the layouts see them. A node's place in the cluster's structure
// is its declared role (`group` in its view: a 2PC coordinator, a
// consistent core's member, a data node), or else its view's `role` when
// that is one of the structural roles known below. The cluster diagram
// puts these in tiers and the space-time diagram groups their lanes. Other
// view roles change while the run goes on (leader, follower, candidate):
// they would make nodes jump around, so they leave the layout alone.

// Structural roles by tier: lower draws first (above, or to the left).
// A declared role not listed here comes after them, in order of appearance.
const KNOWN = {
  coordinator: 0, sequencer: 0, core: 0, master: 0, controller: 0,
  participant: 1, data: 1, replica: 1, worker: 1, storage: 1, member: 1, shard: 1,
  standby: 2, observer: 2, learner: 2,
};

// Past this many servers the cluster is drawn with the large layout.
export const LARGE = 16;

// structural is a node's structural role, or ''.
function structural(n) {
  if (n && n.group) return n.group;
  return n && n.role && Object.hasOwn(KNOWN, n.role) ? n.role : '';
}

const rankOf = (role) => (Object.hasOwn(KNOWN, role) ? KNOWN[role] : 10);

export function servers(st) {
  return st.order.filter((id) => !st.nodes.get(id).client);
}

export function isLarge(st) {
  return servers(st).length > LARGE;
}

// groups splits the servers by structural role, in tier order (then first
// appearance); servers without one form a group with role ''. Clients are
// not included. Returns [] of { role, rank, ids }.
export function groups(st) {
  const out = new Map();
  for (const id of servers(st)) {
    const role = structural(st.nodes.get(id));
    if (!out.has(role)) out.set(role, { role, rank: role ? rankOf(role) : 99, ids: [] });
    out.get(role).ids.push(id);
  }
  return [...out.values()].sort((a, b) => a.rank - b.rank); // stable: appearance order within a rank
}

// laneOrder is st.order with the servers grouped by structural role (and
// clients last), or st.order itself when no role is structural.
export function laneOrder(st) {
  const gs = groups(st);
  if (gs.length < 2) return st.order;
  const clients = st.order.filter((id) => st.nodes.get(id).client);
  return [...gs.flatMap((g) => g.ids), ...clients];
}

// focus is the set of nodes a large cluster shows panels for: the selected
// one, those named by a broken invariant, and the members of the smaller
// structural groups (the coordinator among participants), at most max.
export function focus(st, max = 8) {
  const out = new Set();
  if (st.selected && st.nodes.has(st.selected)) out.add(st.selected);
  for (const v of st.violations || []) for (const id of v.nodes || []) if (st.nodes.has(id)) out.add(id);
  const gs = groups(st).filter((g) => g.role);
  if (gs.length > 1) {
    const biggest = Math.max(...gs.map((g) => g.ids.length));
    for (const g of gs) if (g.ids.length < biggest) for (const id of g.ids) out.add(id);
  }
  for (const id of st.order) if (st.nodes.get(id).client) out.add(id);
  return new Set([...out].slice(0, max));
}
