// A Twilio-style form body: every value must be a string.
function(ctx) {
  To: ctx.recipient,
  From: '+15555550100',
  Body: ctx.body,
}
