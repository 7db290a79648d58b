import { widgetRoute } from '../http/api';
import { type Deps, depsFromEnvironment } from '../deps';
import { LIMITS } from '../domain/limits';

/** POST /widget/forget — public: a browser forgets its chat, and every resume token of that chat's line stops working. */
export const route = widgetRoute<Deps>('WidgetForget', async ({ body }, { widget }) => {
  await widget.forget(body.string('ResumeToken', LIMITS.ResumeToken));
  return {};
});

export const handler = route(depsFromEnvironment);
