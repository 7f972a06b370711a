import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
  validateSync,
  ValidationError,
} from 'class-validator';
import { requestValidationError, toFieldErrors } from './request-validation.error.js';

class OwnerDto {
  @IsEmail()
  email!: string;
}

class MemberDto {
  @IsString()
  @MinLength(1)
  name!: string;
}

class CreateTeamDto {
  @IsString()
  @MinLength(1)
  name!: string;

  @ValidateNested()
  @Type(() => OwnerDto)
  owner!: OwnerDto;

  @IsArray()
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => MemberDto)
  members!: MemberDto[];

  @IsArray()
  @IsString({ each: true })
  @MaxLength(5, { each: true })
  tags!: string[];
}

function validationErrors(plain: object): ValidationError[] {
  return validateSync(plainToInstance(CreateTeamDto, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
}

function validationError(property: string, constraints?: Record<string, string>, children?: ValidationError[]) {
  return Object.assign(new ValidationError(), { property, constraints, children });
}

const VALID = { name: 'Core', owner: { email: 'ada@example.com' }, members: [{ name: 'Ada' }], tags: ['a'] };

describe('toFieldErrors', () => {
  it('names a top-level field by its property', () => {
    const fields = toFieldErrors(validationErrors({ ...VALID, name: '' })).map((e) => e.field);

    expect(fields).toEqual(['name']);
  });

  it('names a field of a nested object with a dotted path', () => {
    const errors = toFieldErrors(validationErrors({ ...VALID, owner: { email: 'not-an-email' } }));

    expect(errors).toEqual([{ field: 'owner.email', message: 'email must be an email' }]);
  });

  it('names a field of an array element with its index in brackets', () => {
    const errors = toFieldErrors(validationErrors({ ...VALID, members: [{ name: 'Ada' }, { name: '' }] }));

    expect(errors).toEqual([
      { field: 'members[1].name', message: 'name must be longer than or equal to 1 characters' },
    ]);
  });

  it('names an array element that is not an object by its index alone', () => {
    const errors = toFieldErrors(validationErrors({ ...VALID, members: [{ name: 'Ada' }, 'Grace'] }));

    expect(errors).toEqual([
      { field: 'members[1]', message: 'each value in nested property members must be either object or array' },
    ]);
  });

  it('names an unknown field of a nested object (forbidNonWhitelisted)', () => {
    const errors = toFieldErrors(validationErrors({ ...VALID, owner: { email: 'ada@example.com', role: 'admin' } }));

    expect(errors).toEqual([{ field: 'owner.role', message: 'property role should not exist' }]);
  });

  it('lists every failing field and every failed rule of a field', () => {
    const errors = toFieldErrors(
      validationErrors({ name: 5, owner: { email: 'x' }, members: [{ name: '' }], tags: ['toolong', 7] }),
    );

    expect(errors.map((e) => e.field).sort()).toEqual(
      ['members[0].name', 'name', 'name', 'owner.email', 'tags', 'tags'].sort(),
    );
  });

  it('builds bracketed paths for nested arrays and objects at any depth', () => {
    const tree = [
      validationError('matrix', undefined, [
        validationError('0', undefined, [
          validationError('2', undefined, [validationError('cell', { isInt: 'cell must be an integer' })]),
        ]),
      ]),
    ];

    expect(toFieldErrors(tree)).toEqual([{ field: 'matrix[0][2].cell', message: 'cell must be an integer' }]);
  });

  it('returns nothing for no errors', () => {
    expect(toFieldErrors(validationErrors(VALID))).toEqual([]);
  });
});

describe('requestValidationError', () => {
  it('is a validation_failed domain error (422) carrying the field errors', () => {
    const error = requestValidationError(validationErrors({ ...VALID, owner: { email: 'x' } }));

    expect(error.code).toBe('validation_failed');
    expect(error.errors).toEqual([{ field: 'owner.email', message: 'email must be an email' }]);
  });
});
