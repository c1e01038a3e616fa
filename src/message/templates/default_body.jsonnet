// courier's rendition of the body Kratos uses when courier.http.request_config
// has none: the same fields with the same values (null when absent).
function(ctx)
  local data = if 'template_data' in ctx then ctx.template_data else {};
  local field(name) = if name in data then data[name] else null;
  {
    recipient: ctx.recipient,
    template_type: ctx.template_type,
    to: field('to'),
    recovery_code: field('recovery_code'),
    recovery_url: field('recovery_url'),
    verification_url: field('verification_url'),
    verification_code: field('verification_code'),
    subject: ctx.subject,
    body: ctx.body,
  }
