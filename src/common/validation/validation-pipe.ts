import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * whitelist + forbidNonWhitelisted: an unknown property is a 400, never silently dropped and never
 * bound to an entity. Messages come from constraints only, so a submitted value is never echoed.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
      rule === 'whitelistValidation'
        ? `property ${path} is not allowed`
        : message.replace(error.property, path),
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
