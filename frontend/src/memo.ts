// memo() without preact/compat: compat hooks into every vnode of the page, which costs more
// on a 500-row table than the re-renders memo saves.
import { Component, type ComponentType, h } from "preact";

export function memo<P extends object>(inner: ComponentType<P>,
                                       same: (a: P, b: P) => boolean): ComponentType<P> {
  return class Memo extends Component<P> {
    shouldComponentUpdate(next: P) { return !same(this.props, next); }
    render(props: P) { return h(inner, props); }
  };
}
