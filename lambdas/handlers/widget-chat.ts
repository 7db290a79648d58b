import { widgetRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /widget/chat — public: starts a chat for the configured instance and flow, or resumes one by its ResumeToken. */
export const route = widgetRoute<Deps>('WidgetChat', async ({ body }, { widget }) =>
  widget.start({
    displayName: body.optionalString('DisplayName', LIMITS.DisplayName),
    resumeToken: body.optionalString('ResumeToken', LIMITS.ResumeToken),
  }),
);

export const handler = route(depsFromEnvironment);
