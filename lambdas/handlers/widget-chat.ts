import { widgetRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';
import { MAX_RESUME_TOKEN_LENGTH } from '../domain/widget';

/** POST /widget/chat — public: starts a chat for the configured instance and flow, or resumes one by its ResumeToken. */
export const route = widgetRoute<Deps>('WidgetChat', async ({ body }, { widget }) =>
  widget.start({
    displayName: body.optionalString('DisplayName', limits.displayName),
    resumeToken: body.optionalString('ResumeToken', { min: 1, max: MAX_RESUME_TOKEN_LENGTH }),
  }),
);

export const handler = route(depsFromEnvironment);
