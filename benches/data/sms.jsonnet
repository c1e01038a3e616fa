function(ctx) {
  To: ctx.recipient,
  Body: ctx.body,
}
