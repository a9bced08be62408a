import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** Documents, on a route that answers a token pair, how a browser keeps the refresh token out of the body. */
export function ApiTokenDelivery(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'X-Token-Delivery',
      required: false,
      enum: ['cookie'],
      description:
        '`cookie`: the refresh token travels only in the __Host-refresh_token cookie; the body has no refreshToken (browsers should send this)',
    }),
  );
}
