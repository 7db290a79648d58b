import { widgetRoute } from '../http/api';
import { type Deps, depsFromEnvironment } from '../deps';
import { MAX_RESUME_TOKEN_LENGTH } from '../domain/widget';

/** POST /widget/forget — public: a browser forgets its chat, and every resume token of that chat's line stops working. */
export const route = widgetRoute<Deps>('WidgetForget', async ({ body }, { widget }) => {
  await widget.forget(body.string('ResumeToken', { min: 1, max: MAX_RESUME_TOKEN_LENGTH }));
  return {};
});

export const handler = route(depsFromEnvironment);
