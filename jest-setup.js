// Jest setup provided by Grafana scaffolding; it assumes a browser (jsdom). Tests that run in node
// (\@jest-environment node, e.g. the bundle checks that run webpack) skip it.
if (typeof window !== 'undefined') {
  require('./.config/jest-setup');
}

// jsdom has no IntersectionObserver; @grafana/ui's Select menus use it to place themselves.
class IntersectionObserverStub {
  constructor() {}
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
if (typeof window !== 'undefined') {
  Object.defineProperty(global, 'IntersectionObserver', { writable: true, value: IntersectionObserverStub });
}
